using System.Globalization;

namespace DataTrust.Ledger.Abi.Internal;

/// <summary>
/// A small recursive-descent parser for type strings and human-readable signatures:
/// <c>type := (elementary | ["tuple"] "(" params ")") ("[" digits? "]")*</c>,
/// <c>param := type ["indexed"] [name]</c>.
/// </summary>
internal sealed class SignatureParser(string text)
{
    // Deeper nesting than this is not something a contract ABI contains; the bound keeps recursion safe.
    private const int MaxDepth = 32;

    private static readonly HashSet<string> DataLocations = new(StringComparer.Ordinal) { "memory", "calldata", "storage", "payable" };

    private readonly string _text = text;
    private int _pos;
    private int _depth;

    public bool AtEnd
    {
        get
        {
            SkipSpace();
            return _pos >= _text.Length;
        }
    }

    public void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw Error($"unexpected '{_text[_pos]}'");
        }
    }

    public bool TryConsume(char c)
    {
        SkipSpace();
        if (_pos < _text.Length && _text[_pos] == c)
        {
            _pos++;
            return true;
        }

        return false;
    }

    public void Expect(char c)
    {
        if (!TryConsume(c))
        {
            throw Error(_pos < _text.Length ? $"expected '{c}' but found '{_text[_pos]}'" : $"expected '{c}' but the text ended");
        }
    }

    public string? TryIdentifier()
    {
        SkipSpace();
        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_' || _text[_pos] == '$'))
        {
            _pos++;
        }

        return _pos == start ? null : _text[start.._pos];
    }

    public string PeekIdentifier()
    {
        var saved = _pos;
        var id = TryIdentifier();
        _pos = saved;
        return id ?? string.Empty;
    }

    public AbiType ParseType()
    {
        if (++_depth > MaxDepth)
        {
            throw Error($"types nested deeper than {MaxDepth} levels are refused");
        }

        AbiType type;
        SkipSpace();
        if (_pos < _text.Length && _text[_pos] == '(')
        {
            type = AbiType.TupleOf(ParseParameterList(allowIndexed: false));
        }
        else
        {
            var start = _pos;
            var id = TryIdentifier() ?? throw Error(_pos < _text.Length ? $"expected a type but found '{_text[_pos]}'" : "expected a type but the text ended");
            if (id == "tuple")
            {
                SkipSpace();
                if (_pos >= _text.Length || _text[_pos] != '(')
                {
                    throw Error("'tuple' must be followed by its components in parentheses, e.g. tuple(uint8,bytes32)");
                }

                type = AbiType.TupleOf(ParseParameterList(allowIndexed: false));
            }
            else
            {
                type = Elementary(id, start);
            }
        }

        type = ParseArraySuffixes(type);
        _depth--;
        return type;
    }

    public AbiType ParseArraySuffixes(AbiType type)
    {
        while (TryConsume('['))
        {
            SkipSpace();
            var start = _pos;
            while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
            {
                _pos++;
            }

            if (_pos == start)
            {
                Expect(']');
                type = AbiType.ArrayOf(type);
                continue;
            }

            var digits = _text[start.._pos];
            if ((digits.Length > 1 && digits[0] == '0') || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                throw Error($"'{digits}' is not a valid array length");
            }

            Expect(']');
            type = Wrap(() => AbiType.FixedArrayOf(type, length));
        }

        return type;
    }

    public List<AbiParameter> ParseParameterList(bool allowIndexed)
    {
        Expect('(');
        var list = new List<AbiParameter>();
        if (TryConsume(')'))
        {
            return list;
        }

        do
        {
            var type = ParseType();
            var indexed = false;
            var name = TryIdentifier();
            while (name is not null && DataLocations.Contains(name))
            {
                name = TryIdentifier();
            }

            if (name == "indexed")
            {
                if (!allowIndexed)
                {
                    throw Error("'indexed' is only allowed on event parameters");
                }

                indexed = true;
                name = TryIdentifier();
            }

            list.Add(new AbiParameter(name ?? string.Empty, type, indexed));
        }
        while (TryConsume(','));

        Expect(')');
        return list;
    }

    public AbiException Error(string problem) =>
        new($"Cannot parse '{_text}' at position {_pos}: {problem}.");

    private AbiType Elementary(string id, int start)
    {
        switch (id)
        {
            case "address":
                return AbiType.AddressType;
            case "bool":
                return AbiType.BoolType;
            case "string":
                return AbiType.StringType;
            case "bytes":
                return AbiType.BytesType;
            case "uint":
                return AbiType.UInt256;
            case "int":
                return AbiType.Int(256);
            case "function":
                return AbiType.FixedBytes(24);
        }

        if (id.StartsWith("fixed", StringComparison.Ordinal) || id.StartsWith("ufixed", StringComparison.Ordinal))
        {
            _pos = start;
            throw Error("fixed-point types are not supported (Solidity cannot use them either)");
        }

        foreach (var (prefix, make) in Sized)
        {
            if (id.StartsWith(prefix, StringComparison.Ordinal) && id.Length > prefix.Length)
            {
                var digits = id[prefix.Length..];
                if (digits[0] != '0' && digits.All(char.IsAsciiDigit) && digits.Length <= 3)
                {
                    var n = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
                    _pos = start;
                    var type = Wrap(() => make(n));
                    _pos = start + id.Length;
                    return type;
                }
            }
        }

        _pos = start;
        throw Error($"'{id}' is not a Solidity ABI type");
    }

    private static readonly (string Prefix, Func<int, AbiType> Make)[] Sized =
    [
        ("uint", AbiType.UInt),
        ("int", AbiType.Int),
        ("bytes", AbiType.FixedBytes),
    ];

    private AbiType Wrap(Func<AbiType> make)
    {
        try
        {
            return make();
        }
        catch (AbiException ex)
        {
            throw Error(ex.Problem.TrimEnd('.'));
        }
    }

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }
}
