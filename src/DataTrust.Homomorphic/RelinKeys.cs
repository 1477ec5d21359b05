using DataTrust.Homomorphic.Internal;

namespace DataTrust.Homomorphic;

/// <summary>Relinearization keys: a key switch from s² to s, which turns a size-3 product back into size 2.</summary>
public sealed class RelinKeys
{
    internal RelinKeys(BfvContext context, KeySwitchKey key)
    {
        Context = context;
        Key = key;
    }

    /// <summary>The context the keys belong to.</summary>
    public BfvContext Context { get; }

    internal KeySwitchKey Key { get; }

    /// <inheritdoc />
    public override string ToString() => $"RelinKeys(N={Context.Degree})";
}
