using DataTrust.Ledger.Crypto;

namespace DataTrust.Ledger.Signing;

/// <summary>Signs transactions: computes the signing hash, signs it with the key, and encodes the signed form.</summary>
public static class TransactionSigner
{
    /// <summary>Signs an EIP-1559 transaction.</summary>
    /// <exception cref="ObjectDisposedException">The key has been disposed.</exception>
    public static SignedTransaction Sign(Eip1559Transaction transaction, EthereumKey key)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(key);
        var signature = key.Sign(TransactionEncoder.SigningHash(transaction));
        var raw = TransactionEncoder.EncodeSigned(transaction, signature);
        return new SignedTransaction(TransactionType.Eip1559, raw, Keccak256.Compute(raw), key.Address, signature);
    }

    /// <summary>Signs a legacy transaction (EIP-155 when it has a chain id).</summary>
    /// <exception cref="ObjectDisposedException">The key has been disposed.</exception>
    public static SignedTransaction Sign(LegacyTransaction transaction, EthereumKey key)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(key);
        var signature = key.Sign(TransactionEncoder.SigningHash(transaction));
        var raw = TransactionEncoder.EncodeSigned(transaction, signature);
        return new SignedTransaction(TransactionType.Legacy, raw, Keccak256.Compute(raw), key.Address, signature);
    }
}
