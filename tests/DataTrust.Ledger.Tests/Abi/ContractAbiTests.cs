using System.Numerics;
using DataTrust.Ledger.Abi;

namespace DataTrust.Ledger.Tests.Abi;

public class ContractAbiTests
{
    private const string Artifact = """
    {
      "abi": [
        { "type": "constructor", "inputs": [ { "name": "authority", "type": "address", "internalType": "address" } ], "stateMutability": "nonpayable" },
        { "type": "function", "name": "submit", "stateMutability": "nonpayable",
          "inputs": [
            { "name": "licenseId", "type": "uint64" }, { "name": "kind", "type": "uint8", "internalType": "enum JobKind" },
            { "name": "spec", "type": "bytes" }, { "name": "epsilon", "type": "uint64" } ],
          "outputs": [ { "name": "jobId", "type": "uint64" } ] },
        { "type": "function", "name": "columns", "stateMutability": "view", "inputs": [],
          "outputs": [ { "name": "", "type": "tuple[]", "internalType": "struct Column[]",
            "components": [ { "name": "name", "type": "string" }, { "name": "kind", "type": "uint8" }, { "name": "scale", "type": "uint8" },
                            { "name": "min", "type": "int256" }, { "name": "max", "type": "int256" } ] } ] },
        { "type": "event", "name": "JobSubmitted", "anonymous": false,
          "inputs": [ { "name": "jobId", "type": "uint64", "indexed": true }, { "name": "spec", "type": "bytes", "indexed": false } ] },
        { "type": "error", "name": "LicenseExpired", "inputs": [ { "name": "licenseId", "type": "uint64" }, { "name": "expiresAt", "type": "uint64" } ] },
        { "type": "receive", "stateMutability": "payable" }
      ]
    }
    """;

    [Fact]
    public void Artifact_json_yields_functions_events_errors_and_constructor()
    {
        var abi = ContractAbi.Parse(Artifact);

        Assert.Equal("submit(uint64,uint8,bytes,uint64)", abi.GetFunction("submit").Signature);
        Assert.Equal("columns()", abi.GetFunction("columns").Signature);
        Assert.True(abi.GetFunction("columns").IsReadOnly);
        Assert.Equal("(string,uint8,uint8,int256,int256)[]", abi.GetFunction("columns").Outputs[0].Type.CanonicalName);
        Assert.Equal("min", abi.GetFunction("columns").Outputs[0].Type.ElementType!.ComponentNames[3]);
        Assert.True(abi.GetEvent("JobSubmitted").Inputs[0].Indexed);
        Assert.Equal("LicenseExpired(uint64,uint64)", abi.GetError("LicenseExpired").Signature);
        Assert.Equal("authority", abi.ConstructorInputs[0].Name);
    }

    [Fact]
    public void Return_data_of_a_struct_array_decodes_by_name()
    {
        var columns = ContractAbi.Parse(Artifact).GetFunction("columns");
        var returned = columns.EncodeOutput((object)new object?[] { new object?[] { "age", 1, 0, 0, 120 } });

        var values = columns.DecodeOutput(returned);

        var first = (object?[])values.GetList("")[0]!;
        Assert.Equal("age", first[0]);
        Assert.Equal(new BigInteger(120), first[4]);
    }

    [Fact]
    public void Logs_and_reverts_are_found_by_topic0_and_selector()
    {
        var abi = ContractAbi.Parse(Artifact);
        var (topics, data) = abi.GetEvent("JobSubmitted").EncodeLog(3UL, new byte[] { 9 });

        var log = abi.TryDecodeLog(topics, data);
        var revert = abi.ErrorDecoder.Decode(abi.GetError("LicenseExpired").Encode(1, 2));

        Assert.Equal(3UL, log!.Values.GetUInt64("jobId"));
        Assert.Equal("LicenseExpired(licenseId: 1, expiresAt: 2)", revert.ToString());
    }

    [Fact]
    public void Call_data_is_matched_to_its_function_by_selector()
    {
        var abi = ContractAbi.Parse(Artifact);
        var call = abi.GetFunction("submit").EncodeCall(1UL, (byte)2, new byte[] { 3 }, 4UL);

        var function = abi.FindFunction(call);

        Assert.Equal("submit", function!.Name);
        Assert.Equal(4UL, function.DecodeCall(call).GetUInt64("epsilon"));
        Assert.Null(abi.FindFunction(new byte[] { 1, 2, 3, 4 }));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{}", "array of entries")]
    [InlineData("[{\"type\":\"function\",\"name\":\"f\",\"inputs\":[{\"name\":\"x\",\"type\":\"uint7\"}]}]", "ABI entry #0 (function f)")]
    [InlineData("[{\"type\":\"function\",\"name\":\"f\",\"inputs\":[{\"name\":\"x\",\"type\":\"tuple\"}]}]", "no 'components' array")]
    [InlineData("[{\"type\":\"event\",\"name\":\"E\",\"inputs\":[{\"name\":\"x\"}]}]", "has no 'type'")]
    [InlineData("[{\"type\":\"gadget\"}]", "'gadget' is not an ABI entry type")]
    [InlineData("[{\"type\":\"function\",\"name\":\"2f\",\"inputs\":[]}]", "not a valid function name")]
    public void Malformed_json_abi_is_refused_naming_the_entry(string json, string reason)
    {
        var ex = Assert.Throws<AbiException>(() => ContractAbi.Parse(json));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Looking_up_a_missing_function_lists_what_exists()
    {
        var ex = Assert.Throws<AbiException>(() => ContractAbi.Parse(Artifact).GetFunction("revoke"));

        Assert.Contains("submit(uint64,uint8,bytes,uint64)", ex.Message, StringComparison.Ordinal);
    }
}
