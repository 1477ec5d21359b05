using System.Text.Json;
using DataTrust.Ledger.Abi.Internal;

namespace DataTrust.Ledger.Abi;

/// <summary>
/// A contract's JSON ABI (Solidity docs §JSON): its functions, events, custom errors and constructor, looked up by
/// name, selector or topic0.
/// </summary>
public sealed class ContractAbi
{
    private ContractAbi(IReadOnlyList<AbiFunction> functions, IReadOnlyList<AbiEvent> events, IReadOnlyList<AbiError> errors, IReadOnlyList<AbiParameter> constructorInputs)
    {
        Functions = functions;
        Events = events;
        Errors = errors;
        ConstructorInputs = constructorInputs;
        ConstructorTypes = constructorInputs.Select(p => p.Type).ToArray();
        ErrorDecoder = new AbiErrorDecoder(errors);
    }

    /// <summary>All functions, in ABI order (overloads appear once per overload).</summary>
    public IReadOnlyList<AbiFunction> Functions { get; }

    /// <summary>All events.</summary>
    public IReadOnlyList<AbiEvent> Events { get; }

    /// <summary>All custom errors.</summary>
    public IReadOnlyList<AbiError> Errors { get; }

    /// <summary>The constructor's parameters (empty when the contract declares none).</summary>
    public IReadOnlyList<AbiParameter> ConstructorInputs { get; }

    /// <summary>Decodes revert data with this contract's custom errors and the built-ins.</summary>
    public AbiErrorDecoder ErrorDecoder { get; }

    private AbiType[] ConstructorTypes { get; }

    /// <summary>
    /// Parses a JSON ABI: either the array itself or an artifact object with an <c>abi</c> property
    /// (Foundry and Hardhat artifacts). Entries of type function, event, error and constructor are read;
    /// fallback and receive have no ABI-encoded parameters and are skipped.
    /// </summary>
    /// <exception cref="AbiException">The JSON is malformed or an entry is not a valid ABI entry; the message names the entry.</exception>
    public static ContractAbi Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("abi", out var abi))
            {
                root = abi;
            }

            if (root.ValueKind != JsonValueKind.Array)
            {
                throw new AbiException("A JSON ABI is an array of entries (or an artifact object with an 'abi' array).");
            }

            return FromEntries(root);
        }
        catch (JsonException ex)
        {
            throw new AbiException($"The ABI is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>The only function with this name.</summary>
    /// <exception cref="AbiException">No function has the name, or it is overloaded (use <see cref="GetFunctionBySignature"/>).</exception>
    public AbiFunction GetFunction(string name) => Single(Functions, f => f.Name == name, f => f.Signature, "function", name);

    /// <summary>The function with this canonical signature, e.g. <c>submit(uint64,uint8,bytes,uint64)</c>.</summary>
    /// <exception cref="AbiException">No function has the signature.</exception>
    public AbiFunction GetFunctionBySignature(string signature) => Single(Functions, f => f.Signature == signature, f => f.Signature, "function", signature);

    /// <summary>The only event with this name.</summary>
    /// <exception cref="AbiException">No event has the name, or it is overloaded.</exception>
    public AbiEvent GetEvent(string name) => Single(Events, e => e.Name == name, e => e.Signature, "event", name);

    /// <summary>The only custom error with this name.</summary>
    /// <exception cref="AbiException">No error has the name, or it is overloaded.</exception>
    public AbiError GetError(string name) => Single(Errors, e => e.Name == name, e => e.Signature, "error", name);

    /// <summary>The function whose selector starts this call data, or null.</summary>
    public AbiFunction? FindFunction(ReadOnlySpan<byte> callData)
    {
        if (callData.Length < 4)
        {
            return null;
        }

        foreach (var function in Functions)
        {
            if (function.Selector.SequenceEqual(callData[..4]))
            {
                return function;
            }
        }

        return null;
    }

    /// <summary>The non-anonymous event whose topic0 this is, or null.</summary>
    public AbiEvent? FindEvent(Hash32 topic0) => Events.FirstOrDefault(e => !e.Anonymous && e.Topic0 == topic0);

    /// <summary>Decodes a log of any of this contract's events, found by topic0; null when no event matches.</summary>
    /// <exception cref="AbiException">The topic0 matches but the log is malformed.</exception>
    public DecodedLog? TryDecodeLog(IReadOnlyList<Hash32> topics, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(topics);
        return topics.Count > 0 && FindEvent(topics[0]) is { } ev ? ev.DecodeLog(topics, data) : null;
    }

    /// <summary>Encodes constructor arguments (appended to the creation bytecode when deploying).</summary>
    /// <exception cref="AbiException">An argument does not fit its type.</exception>
    public byte[] EncodeConstructor(params object?[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return AbiCodec.EncodeWithPrefix(ConstructorTypes, arguments, ConstructorInputs.Select(p => p.Name).ToArray(), []);
    }

    private static ContractAbi FromEntries(JsonElement entries)
    {
        var functions = new List<AbiFunction>();
        var events = new List<AbiEvent>();
        var errors = new List<AbiError>();
        IReadOnlyList<AbiParameter> constructor = [];
        var index = 0;
        foreach (var entry in entries.EnumerateArray())
        {
            var kind = "function";
            var name = string.Empty;
            try
            {
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    throw new AbiException("an ABI entry must be a JSON object.");
                }

                kind = OptionalString(entry, "type") ?? "function";
                name = OptionalString(entry, "name") ?? string.Empty;
                switch (kind)
                {
                    case "function":
                        functions.Add(new AbiFunction(name, Parameters(entry, "inputs", allowIndexed: false), Parameters(entry, "outputs", allowIndexed: false), Mutability(entry)));
                        break;
                    case "event":
                        events.Add(new AbiEvent(name, Parameters(entry, "inputs", allowIndexed: true), entry.TryGetProperty("anonymous", out var anon) && anon.ValueKind == JsonValueKind.True));
                        break;
                    case "error":
                        errors.Add(new AbiError(name, Parameters(entry, "inputs", allowIndexed: false)));
                        break;
                    case "constructor":
                        constructor = Parameters(entry, "inputs", allowIndexed: false);
                        break;
                    case "fallback":
                    case "receive":
                        break;
                    default:
                        throw new AbiException($"'{kind}' is not an ABI entry type (function, event, error, constructor, fallback, receive).");
                }
            }
            catch (AbiException ex)
            {
                throw new AbiException($"ABI entry #{index} ({kind} {name}): {ex.Message}", ex);
            }

            index++;
        }

        return new ContractAbi(functions, events, errors, constructor);
    }

    private static string Mutability(JsonElement entry)
    {
        if (OptionalString(entry, "stateMutability") is { } mutability)
        {
            return mutability;
        }

        // Pre-0.6 ABIs used constant/payable flags instead.
        if (entry.TryGetProperty("constant", out var constant) && constant.ValueKind == JsonValueKind.True)
        {
            return "view";
        }

        return entry.TryGetProperty("payable", out var payable) && payable.ValueKind == JsonValueKind.True ? "payable" : "nonpayable";
    }

    private static List<AbiParameter> Parameters(JsonElement entry, string property, bool allowIndexed)
    {
        var list = new List<AbiParameter>();
        if (!entry.TryGetProperty(property, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return list;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new AbiException($"'{property}' must be an array of parameters.");
        }

        foreach (var parameter in array.EnumerateArray())
        {
            list.Add(Parameter(parameter, allowIndexed, 0));
        }

        return list;
    }

    private static AbiParameter Parameter(JsonElement element, bool allowIndexed, int depth)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new AbiException("a parameter must be a JSON object with 'name' and 'type'.");
        }

        if (depth > 32)
        {
            throw new AbiException("tuple components are nested more than 32 levels deep.");
        }

        var name = OptionalString(element, "name") ?? string.Empty;
        var typeText = OptionalString(element, "type") ?? throw new AbiException($"parameter '{name}' has no 'type'.");
        var indexed = allowIndexed && element.TryGetProperty("indexed", out var ix) && ix.ValueKind == JsonValueKind.True;
        AbiType type;
        if (typeText.StartsWith("tuple", StringComparison.Ordinal))
        {
            if (!element.TryGetProperty("components", out var components) || components.ValueKind != JsonValueKind.Array)
            {
                throw new AbiException($"parameter '{name}' of type {typeText} has no 'components' array.");
            }

            var parts = new List<AbiParameter>();
            foreach (var component in components.EnumerateArray())
            {
                parts.Add(Parameter(component, allowIndexed: false, depth + 1));
            }

            var parser = new SignatureParser(typeText[5..]);
            type = parser.ParseArraySuffixes(AbiType.TupleOf(parts));
            parser.ExpectEnd();
        }
        else
        {
            type = AbiType.Parse(typeText);
        }

        return new AbiParameter(name, type, indexed);
    }

    private static string? OptionalString(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw new AbiException($"'{property}' must be a string.")
            : null;

    private static T Single<T>(IReadOnlyList<T> items, Func<T, bool> match, Func<T, string> describe, string what, string key)
    {
        T? found = default;
        var count = 0;
        foreach (var item in items)
        {
            if (match(item))
            {
                found = item;
                count++;
            }
        }

        return count switch
        {
            1 => found!,
            0 => throw new AbiException($"The ABI has no {what} '{key}'; it has: {string.Join(", ", items.Select(describe))}."),
            _ => throw new AbiException($"'{key}' names {count} overloaded {what}s ({string.Join(", ", items.Where(match).Select(describe))}); pick one by signature."),
        };
    }
}
