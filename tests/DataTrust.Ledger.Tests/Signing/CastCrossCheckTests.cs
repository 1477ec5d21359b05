using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Tests.Signing;

// Foundry's cast is an independent implementation of the same specs; byte-for-byte agreement on random
// transactions is the EIP-1559 known-answer test the EIP itself does not provide.
public class CastCrossCheckTests
{
    private static BigInteger RandomBelow(int bytes) =>
        new(RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(1, bytes + 1)), isUnsigned: true);

    [Fact]
    public void Random_EIP1559_transactions_sign_to_the_same_bytes_as_cast_and_cast_recovers_our_sender()
    {
        var cast = Cast.Instance;
        for (var i = 0; i < 24; i++)
        {
            using var key = EthereumKey.Generate();
            var create = i % 6 == 5;
            var tip = RandomBelow(8);
            var tx = new Eip1559Transaction
            {
                ChainId = (ulong)RandomNumberGenerator.GetInt32(1, int.MaxValue),
                Nonce = (ulong)RandomNumberGenerator.GetInt32(0, int.MaxValue),
                MaxPriorityFeePerGas = tip,
                MaxFeePerGas = tip + RandomBelow(8),
                GasLimit = (ulong)RandomNumberGenerator.GetInt32(21000, 30_000_000),
                To = create ? null : new Address(RandomNumberGenerator.GetBytes(20)),
                Value = RandomBelow(16),
                Data = RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(create ? 1 : 0, 300)),
            };

            var ours = TransactionSigner.Sign(tx, key);

            var arguments = new List<string>
            {
                "mktx",
                "--private-key", PrivateKeyHex(key),
                "--chain", tx.ChainId.ToString(CultureInfo.InvariantCulture),
                "--nonce", tx.Nonce.ToString(CultureInfo.InvariantCulture),
                "--gas-limit", tx.GasLimit.ToString(CultureInfo.InvariantCulture),
                "--gas-price", tx.MaxFeePerGas.ToString(CultureInfo.InvariantCulture),
                "--priority-gas-price", tx.MaxPriorityFeePerGas.ToString(CultureInfo.InvariantCulture),
                "--value", tx.Value.ToString(CultureInfo.InvariantCulture),
            };
            if (create)
            {
                arguments.AddRange(["--create", Hex.Encode(tx.Data.Span)]);
            }
            else
            {
                arguments.Add(tx.To!.Value.ToLowerHex());
                if (!tx.Data.IsEmpty)
                {
                    arguments.Add(Hex.Encode(tx.Data.Span));
                }
            }

            var theirs = cast.Run([.. arguments]);
            Assert.Equal(theirs, ours.ToHex());

            using var decoded = cast.DecodeTransaction(ours.ToHex());
            Assert.Equal(key.Address, Address.Parse(decoded.RootElement.GetProperty("signer").GetString()!));
            Assert.Equal(ours.Hash.ToString(), decoded.RootElement.GetProperty("hash").GetString());
        }
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("DataTrust job 7: requester signature")]
    [InlineData("")]
    public void Personal_signatures_equal_casts_and_cast_verifies_ours(string message)
    {
        var cast = Cast.Instance;
        using var key = EthereumKey.Generate();

        var ours = PersonalMessage.Sign(key, message).ToHex();
        var theirs = cast.Run("wallet", "sign", "--private-key", PrivateKeyHex(key), message);
        var verified = cast.Run("wallet", "verify", "--address", key.Address.ToString(), message, ours);

        Assert.Equal(theirs, ours);
        Assert.Contains("Validation succeeded", verified, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(key.Address, PersonalMessage.TryRecoverSigner(Encoding.UTF8.GetBytes(message), Hex.Decode(theirs), out var signer, out _) ? signer : default);
    }

    private static string PrivateKeyHex(EthereumKey key)
    {
        var bytes = new byte[32];
        key.CopyPrivateKeyTo(bytes);
        return Hex.Encode(bytes);
    }
}
