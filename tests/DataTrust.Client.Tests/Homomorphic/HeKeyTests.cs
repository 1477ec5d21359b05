using DataTrust.Client.Homomorphic;
using DataTrust.Ledger;

namespace DataTrust.Client.Tests.Homomorphic;

public sealed class HeKeyTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("datatrust-hekey-");
    private static readonly Address Account = Address.Parse("0x00000000000000000000000000000000000000c3");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void A_key_made_on_first_use_reopens_as_the_same_key_and_decrypts_what_it_encrypted()
    {
        var store = new HeKeyStore(_root.FullName);
        Google.Protobuf.ByteString weights;
        string id;
        using (var made = HeKey.OpenOrCreate(store, Account, 8192))
        {
            Assert.True(made.Created);
            Assert.Equal(8192, made.Degree);
            id = made.KeyId;
            weights = made.Client.EncryptModel(["a", "b", "c"], [7, -3, 11], 0).Weights;
        }

        using var reopened = HeKey.OpenOrCreate(store, Account, degree: null);
        var slots = reopened.Client.DecryptSlots(weights.Span);

        Assert.False(reopened.Created);
        Assert.Equal(id, reopened.KeyId);
        Assert.Equal([7L, -3L, 11L, 0L, 7L, -3L, 11L, 0L], slots[..8]);
        Assert.DoesNotContain(id, reopened.Client.ToString() ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public void Asking_for_another_degree_than_the_stored_keys_is_refused_and_the_key_is_kept()
    {
        var store = new HeKeyStore(_root.FullName);
        using (HeKey.OpenOrCreate(store, Account, 8192))
        {
        }

        var before = File.ReadAllBytes(store.PathOf(Account));

        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => HeKey.OpenOrCreate(store, Account, 16384));

        Assert.Contains("degree 8192", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(store.PathOf(Account)));
    }

    [Theory]
    [InlineData(2048)]
    [InlineData(4096)]
    [InlineData(10000)]
    public void An_unsupported_degree_is_refused_before_any_key_is_made(int degree)
    {
        var store = new HeKeyStore(_root.FullName);

        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => HeKey.OpenOrCreate(store, Account, degree));

        Assert.Contains($"--he-degree {degree}", ex.Message, StringComparison.Ordinal);
        Assert.False(store.Exists(Account));
    }

    [Fact]
    public void A_key_file_that_is_intact_but_holds_no_BFV_key_is_a_clear_error()
    {
        var store = new HeKeyStore(_root.FullName);
        store.Create(Account, [1, 2, 3], [4, 5, 6]);

        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => HeKey.Open(store, Account));

        Assert.Contains("does not hold a valid BFV key", ex.Message, StringComparison.Ordinal);
    }
}
