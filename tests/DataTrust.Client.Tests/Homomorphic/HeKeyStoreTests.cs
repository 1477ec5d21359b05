using System.Security.Cryptography;
using DataTrust.Client.Homomorphic;
using DataTrust.Ledger;

namespace DataTrust.Client.Tests.Homomorphic;

public sealed class HeKeyStoreTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("datatrust-hekeys-");
    private static readonly Address Account = Address.Parse("0x00000000000000000000000000000000000000a1");
    private static readonly Address Other = Address.Parse("0x00000000000000000000000000000000000000b2");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void A_stored_key_loads_back_with_its_parameters_secret_and_id()
    {
        var store = new HeKeyStore(_root.FullName);
        var parameters = RandomNumberGenerator.GetBytes(100);
        var secret = RandomNumberGenerator.GetBytes(300);

        var id = store.Create(Account, parameters, secret);
        using var loaded = store.Load(Account);

        Assert.Equal(Path.Combine(_root.FullName, "he", Account.ToLowerHex() + ".bfv"), store.PathOf(Account));
        Assert.Equal(32, id.Length);
        Assert.Equal(id, loaded.KeyId);
        Assert.Equal(parameters, loaded.Parameters);
        Assert.Equal(secret, loaded.SecretKey.ToArray());
        Assert.Equal(Account, loaded.Account);
    }

    [Fact]
    public void The_key_file_is_readable_by_its_owner_only_and_leaves_no_temporary_file()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only.
        }

        var store = new HeKeyStore(_root.FullName);

        store.Create(Account, [1, 2, 3], [4, 5, 6]);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.PathOf(Account)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(store.Directory));
        Assert.Equal([store.PathOf(Account)], Directory.GetFiles(store.Directory));
    }

    [Fact]
    public void An_existing_key_is_never_replaced()
    {
        var store = new HeKeyStore(_root.FullName);
        store.Create(Account, [1], [2]);
        var before = File.ReadAllBytes(store.PathOf(Account));

        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => store.Create(Account, [3], [4]));

        Assert.Contains("already has an HE key", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(store.PathOf(Account)));
    }

    [Fact]
    public void A_missing_key_is_a_clear_error()
    {
        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => new HeKeyStore(_root.FullName).Load(Account));

        Assert.Contains("has no HE key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_accounts_key_file_is_refused()
    {
        var store = new HeKeyStore(_root.FullName);
        store.Create(Other, [1], [2]);
        File.Copy(store.PathOf(Other), store.PathOf(Account));

        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => store.Load(Account));

        Assert.Contains($"belongs to account {Other}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_with_any_byte_changed_is_refused_as_damaged()
    {
        var store = new HeKeyStore(_root.FullName);
        store.Create(Account, RandomNumberGenerator.GetBytes(20), RandomNumberGenerator.GetBytes(40));
        var path = store.PathOf(Account);
        var original = File.ReadAllBytes(path);
        for (var i = 8; i < original.Length; i += 7)
        {
            var altered = original.ToArray();
            altered[i] ^= 0x01;
            File.WriteAllBytes(path, altered);

            var ex = Assert.Throws<DataTrust.Client.ClientException>(() => store.Load(Account));

            Assert.Contains("damaged", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(60)]
    public void A_truncated_or_foreign_file_is_refused(int length)
    {
        var store = new HeKeyStore(_root.FullName);
        store.Create(Account, [1, 2], [3, 4]);
        var path = store.PathOf(Account);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..Math.Min(length, 60)]);

        Assert.Throws<DataTrust.Client.ClientException>(() => store.Load(Account));
    }

    [Fact]
    public void A_stored_key_never_prints_its_secret_and_refuses_use_after_dispose()
    {
        var store = new HeKeyStore(_root.FullName);
        var secret = "secret key bytes, sixteen+"u8.ToArray();
        store.Create(Account, [1], secret);
        var key = store.Load(Account);

        var text = key.ToString();
        Assert.DoesNotContain(Convert.ToHexString(secret), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(secret), text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret key bytes", text, StringComparison.Ordinal);
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.SecretKey.ToArray());
    }

    [Fact]
    public void Disposing_a_stored_key_zeroes_the_secret_bytes_it_held()
    {
        var held = RandomNumberGenerator.GetBytes(64);
        var key = new StoredHeKey(Account, "id", [1], held);

        key.Dispose();

        Assert.All(held, b => Assert.Equal(0, b));
    }
}
