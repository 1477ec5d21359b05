using System.Buffers.Binary;
using System.Text;
using DataTrust.Ledger.Crypto;

namespace DataTrust.Ledger.Abi.Internal;

/// <summary>Canonical signatures and their hashes (Solidity ABI spec §Function Selector, §Events).</summary>
internal static class Signatures
{
    public static string Build(string name, IReadOnlyList<AbiParameter> parameters)
    {
        var builder = new StringBuilder(name).Append('(');
        for (var i = 0; i < parameters.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(parameters[i].Type.CanonicalName);
        }

        return builder.Append(')').ToString();
    }

    public static byte[] Selector(string signature) => Keccak256.Hash(Encoding.ASCII.GetBytes(signature))[..4];

    public static uint SelectorValue(ReadOnlySpan<byte> selector) => BinaryPrimitives.ReadUInt32BigEndian(selector);

    public static void CheckName(string name, string what)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] is '_' or '$') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '$'))
        {
            throw new AbiException($"'{name}' is not a valid {what} name: use a Solidity identifier (letters, digits, _ and $, not starting with a digit).");
        }
    }

    /// <summary>Parses <c>[keyword] name(params) [modifiers] [returns (params)]</c>.</summary>
    public static (string Name, List<AbiParameter> Inputs, List<AbiParameter> Outputs, List<string> Modifiers) Parse(string text, string keyword, bool allowIndexed)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new SignatureParser(text);
        var name = parser.TryIdentifier() ?? throw parser.Error($"expected a {keyword} name");
        if (name == keyword && parser.PeekIdentifier().Length > 0)
        {
            name = parser.TryIdentifier()!;
        }

        var inputs = parser.ParseParameterList(allowIndexed);
        var outputs = new List<AbiParameter>();
        var modifiers = new List<string>();
        while (!parser.AtEnd)
        {
            var word = parser.TryIdentifier() ?? throw parser.Error("expected a modifier, 'returns' or the end");
            if (word == "returns" && keyword == "function")
            {
                outputs = parser.ParseParameterList(allowIndexed: false);
                parser.ExpectEnd();
                break;
            }

            modifiers.Add(word);
        }

        return (name, inputs, outputs, modifiers);
    }
}
