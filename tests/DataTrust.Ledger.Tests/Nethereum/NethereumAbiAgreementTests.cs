using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Tests.Abi;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Nethereum.ABI.FunctionEncoding;

namespace DataTrust.Ledger.Tests.CrossCheck;

/// <summary>One function of our contracts with random arguments that fit its inputs.</summary>
public sealed record ContractCall(string Contract, AbiFunction Function, object?[] Values)
{
    public override string ToString() => $"{Contract}.{Function.Signature} with {NethereumValues.ShowAll(Function.InputTypes, Values)}";
}

/// <summary>Generators over every function (and so every parameter type) our five contracts declare.</summary>
public static class ContractCallGenerators
{
    private static readonly (string Contract, AbiFunction Function)[] Functions =
        [.. DataTrustAbi.ContractNames.SelectMany(c => DataTrustAbi.Get(c).Abi.Functions.Where(f => f.Inputs.Count > 0).Select(f => (c, f)))];

    public static Arbitrary<ContractCall> Calls() => Arb.From(
        from pick in Gen.Elements(Functions)
        from values in Gen.CollectToArray(pick.Function.InputTypes, AbiGenerators.ValueGen)
        select new ContractCall(pick.Contract, pick.Function, values));
}

/// <summary>
/// Nethereum, a second and independent implementation, must agree with ours on the call data of every function of our
/// contracts with random arguments, and each must decode the other's encoding to the same values.
/// </summary>
public class NethereumAbiAgreementTests
{
    [Fact]
    public void Every_function_of_our_contracts_has_the_same_selector_in_Nethereum()
    {
        foreach (var contract in DataTrustAbi.ContractNames)
        {
            var theirs = NethereumValues.ContractAbi(contract).Functions.ToDictionary(f => f.Sha3Signature, f => f.Name);
            var ours = DataTrustAbi.Get(contract).Abi.Functions;
            Assert.Equal(ours.Count, theirs.Count);
            foreach (var function in ours)
            {
                Assert.True(theirs.TryGetValue(function.SelectorHex[2..], out var name), $"{contract}.{function.Signature}: Nethereum has no function with selector {function.SelectorHex}");
                Assert.Equal(function.Name, name);
            }
        }
    }

    [Property(Arbitrary = [typeof(ContractCallGenerators)], MaxTest = 300)]
    public void Call_data_for_random_arguments_equals_Nethereums(ContractCall call)
    {
        var theirFunction = NethereumValues.ContractAbi(call.Contract).Functions.Single(f => f.Sha3Signature == call.Function.SelectorHex[2..]);
        var theirValues = call.Values.Select((v, i) => NethereumValues.ToNethereum(call.Function.InputTypes[i], v)).ToArray();

        var theirs = new FunctionCallEncoder().EncodeRequest(theirFunction.Sha3Signature, theirFunction.InputParameters, theirValues);

        var ours = Hex.Encode(call.Function.EncodeCall(call.Values));
        Assert.True(theirs == ours, $"Nethereum:\n{Words(theirs)}\nours:\n{Words(ours)}");
    }

    [Property(Arbitrary = [typeof(ContractCallGenerators)], MaxTest = 300)]
    public void Nethereum_decodes_our_call_data_to_our_values_and_we_decode_its(ContractCall call)
    {
        var theirFunction = NethereumValues.ContractAbi(call.Contract).Functions.Single(f => f.Sha3Signature == call.Function.SelectorHex[2..]);
        var types = call.Function.InputTypes;
        var expected = NethereumValues.ShowAll(types, call.Values);

        var ourCallData = Hex.Encode(call.Function.EncodeCall(call.Values));
        var theirDecoding = new FunctionCallDecoder().DecodeFunctionInput(theirFunction.Sha3Signature, ourCallData, theirFunction.InputParameters);
        Assert.Equal(expected, NethereumValues.ShowAll(types, theirDecoding.OrderBy(o => o.Parameter.Order).Select(o => o.Result).ToArray()));

        var theirValues = call.Values.Select((v, i) => NethereumValues.ToNethereum(types[i], v)).ToArray();
        var theirCallData = new FunctionCallEncoder().EncodeRequest(theirFunction.Sha3Signature, theirFunction.InputParameters, theirValues);
        var ourDecoding = call.Function.DecodeCall(Hex.Decode(theirCallData));
        Assert.Equal(expected, NethereumValues.ShowAll(types, ourDecoding.ToArray()));
    }

    private static string Words(string hex) => string.Join("\n", hex[10..].Chunk(64).Select(c => new string(c)));

    [Fact]
    public void Every_custom_error_of_our_contracts_has_the_same_selector_in_Nethereum()
    {
        foreach (var contract in DataTrustAbi.ContractNames)
        {
            var theirs = NethereumValues.ContractAbi(contract).Errors.Select(e => e.Sha3Signature).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var ours = DataTrustAbi.Get(contract).Abi.Errors;
            Assert.Equal(ours.Count, theirs.Count);
            foreach (var error in ours)
            {
                Assert.Contains(Hex.EncodeBare(error.Selector), theirs);
            }
        }
    }
}
