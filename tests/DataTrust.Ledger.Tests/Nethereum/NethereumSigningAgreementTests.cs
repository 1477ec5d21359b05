using System.Numerics;
using DataTrust.Ledger.Signing;
using FsCheck.Xunit;
using Nethereum.Model;
using LegacyTransaction = DataTrust.Ledger.Signing.LegacyTransaction;
using SignedTransaction = DataTrust.Ledger.Signing.SignedTransaction;
using Nethereum.Signer;
using Nethereum.Util;

namespace DataTrust.Ledger.Tests.CrossCheck;

/// <summary>
/// Nethereum signs the same transactions (legacy without and with EIP-155, EIP-1559 with access lists) to the same
/// bytes and hash as we do — both sign deterministically (RFC 6979) — and each recovers the other's sender.
/// </summary>
public class NethereumSigningAgreementTests
{
    [Property(MaxTest = 40)]
    public void EIP1559_transactions_sign_to_Nethereums_bytes_and_hash_and_each_recovers_the_others_sender(int seed)
    {
        var random = new Random(seed);
        var (key, privateKey) = RandomKey(random);
        using var _ = key;
        var tip = RandomBelow(random, 8);
        var create = random.Next(6) == 0;
        var accessList = Enumerable.Range(0, random.Next(0, 3))
            .Select(_ => new AccessListEntry(new Address(Bytes(random, 20)), [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => new Hash32(Bytes(random, 32)))]))
            .ToArray();
        var tx = new Eip1559Transaction
        {
            ChainId = (ulong)random.NextInt64(1, long.MaxValue),
            Nonce = (ulong)random.NextInt64(0, long.MaxValue),
            MaxPriorityFeePerGas = tip,
            MaxFeePerGas = tip + RandomBelow(random, 8),
            GasLimit = (ulong)random.Next(21000, 30_000_000),
            To = create ? null : new Address(Bytes(random, 20)),
            Value = RandomBelow(random, 16),
            Data = Bytes(random, random.Next(create ? 1 : 0, 300)),
            AccessList = accessList,
        };

        var ours = TransactionSigner.Sign(tx, key);

        var theirTx = new Transaction1559(
            tx.ChainId, tx.Nonce, tx.MaxPriorityFeePerGas, tx.MaxFeePerGas, tx.GasLimit,
            tx.To?.ToLowerHex(), tx.Value, Hex.Encode(tx.Data.Span),
            [.. accessList.Select(e => new AccessListItem(e.Address.ToLowerHex(), [.. e.StorageKeys.Select(k => k.Span.ToArray())]))]);
        new Transaction1559Signer().SignTransaction(privateKey, theirTx);
        var theirs = theirTx.GetRLPEncoded();

        Assert.Equal(Hex.Encode(theirs), ours.ToHex());
        Assert.Equal(Hex.Encode(Sha3Keccack.Current.CalculateHash(theirs)), ours.Hash.ToString().ToLowerInvariant());
        AssertEachRecoversTheOthersSender(key, ours, theirs);
    }

    [Property(MaxTest = 40)]
    public void Legacy_transactions_with_and_without_EIP155_sign_to_Nethereums_bytes_and_each_recovers_the_others_sender(int seed)
    {
        var random = new Random(seed);
        var (key, privateKey) = RandomKey(random);
        using var _ = key;
        var create = random.Next(6) == 0;
        var withChainId = random.Next(4) != 0;
        var tx = new LegacyTransaction
        {
            ChainId = withChainId ? (ulong)random.NextInt64(1, uint.MaxValue) : null,
            Nonce = (ulong)random.NextInt64(0, long.MaxValue),
            GasPrice = RandomBelow(random, 8),
            GasLimit = (ulong)random.Next(21000, 30_000_000),
            To = create ? null : new Address(Bytes(random, 20)),
            Value = RandomBelow(random, 16),
            Data = Bytes(random, random.Next(create ? 1 : 0, 300)),
        };

        var ours = TransactionSigner.Sign(tx, key);

        var to = tx.To?.ToLowerHex();
        var data = Hex.Encode(tx.Data.Span);
        var theirHex = tx.ChainId is { } chainId
            ? new LegacyTransactionSigner().SignTransaction(privateKey, new LegacyTransactionChainId(to, tx.Value, tx.Nonce, tx.GasPrice, tx.GasLimit, data, chainId))
            : new LegacyTransactionSigner().SignTransaction(privateKey, new global::Nethereum.Model.LegacyTransaction(to, tx.Value, tx.Nonce, tx.GasPrice, tx.GasLimit, data));
        var theirs = Hex.Decode(theirHex.StartsWith("0x", StringComparison.Ordinal) ? theirHex : "0x" + theirHex);

        Assert.Equal(Hex.Encode(theirs), ours.ToHex());
        Assert.Equal(Hex.Encode(Sha3Keccack.Current.CalculateHash(theirs)), ours.Hash.ToString().ToLowerInvariant());
        AssertEachRecoversTheOthersSender(key, ours, theirs);
    }

    private static void AssertEachRecoversTheOthersSender(EthereumKey key, SignedTransaction ours, byte[] theirs)
    {
        // Nethereum recovers the sender from our bytes; we recover it from Nethereum's.
        var recoveredByThem = TransactionVerificationAndRecovery.GetSenderAddress(ours.ToHex());
        Assert.Equal(key.Address.ToLowerHex(), recoveredByThem.ToLowerInvariant());
        Assert.Equal(key.Address, TransactionDecoder.Decode(theirs).From);
    }

    private static (EthereumKey Key, byte[] PrivateKey) RandomKey(Random random)
    {
        while (true)
        {
            var bytes = Bytes(random, 32);
            try
            {
                return (EthereumKey.FromPrivateKey(bytes), bytes);
            }
            catch (SigningException)
            {
                // Zero or not below the curve order: draw again (astronomically rare).
            }
        }
    }

    private static BigInteger RandomBelow(Random random, int bytes) => new(Bytes(random, random.Next(1, bytes + 1)), isUnsigned: true);

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
