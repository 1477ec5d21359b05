namespace DataTrust.Ledger.Abi;

/// <summary>
/// The single exception of the ABI area: a type string that does not parse, a value that does not fit its
/// type, or bytes that are not a valid encoding. <see cref="Path"/> names where the problem is
/// (<c>spec</c>, <c>items[2].amount</c>, <c>#1[0]</c>) and <see cref="Problem"/> says what is wrong.
/// </summary>
public sealed class AbiException : Exception
{
    private string _path;

    /// <summary>Creates an exception for a problem not tied to one value.</summary>
    public AbiException(string problem)
        : this(problem, string.Empty)
    {
    }

    /// <summary>Creates an exception for a problem at a named value.</summary>
    public AbiException(string problem, string path)
        : base(problem)
    {
        Problem = problem;
        _path = path;
    }

    /// <summary>Creates an exception that wraps a lower-level cause (for example a JSON error).</summary>
    public AbiException(string problem, Exception innerException)
        : base(problem, innerException)
    {
        Problem = problem;
        _path = string.Empty;
    }

    /// <summary>Creates an exception with no message (for serializers); prefer the other constructors.</summary>
    public AbiException()
        : this("Invalid ABI input.")
    {
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>Where the problem is: a parameter name or index, then array indices and tuple fields; empty when not tied to a value.</summary>
    public string Path => _path;

    /// <inheritdoc/>
    public override string Message => _path.Length == 0 ? Problem : $"{_path}: {Problem}";

    // Composite encoders and decoders catch and re-throw with their own segment in front, so the path is
    // only built when something actually failed (no string work on the happy path).
    internal AbiException Prepend(string segment)
    {
        if (_path.Length == 0)
        {
            _path = segment;
        }
        else if (_path[0] == '[' || _path[0] == '.')
        {
            _path = segment + _path;
        }
        else
        {
            _path = segment + "." + _path;
        }

        return this;
    }
}
