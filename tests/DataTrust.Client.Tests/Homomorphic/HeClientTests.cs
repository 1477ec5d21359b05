using DataTrust.Homomorphic;
using DataTrust.Client.Homomorphic;

namespace DataTrust.Client.Tests.Homomorphic;

/// <summary>The enterprise's side on its own: key handling, the weights layout, and its refusals.</summary>
public sealed class HeClientTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(16, 16)]
    [InlineData(17, 32)]
    [InlineData(64, 64)]
    public void Block_width_is_the_smallest_power_of_two_that_holds_the_features(int features, int width) =>
        Assert.Equal(width, HeLayout.BlockWidth(features));

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void Block_width_refuses_a_feature_count_outside_1_to_64(int features) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => HeLayout.BlockWidth(features));

    [Fact]
    public void Rotation_steps_halve_a_block_down_to_one_slot()
    {
        Assert.Equal([1, 2, 4, 8], HeLayout.RotationSteps(16));
        Assert.Empty(HeLayout.RotationSteps(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeLayout.RotationSteps(12));
    }

    [Fact]
    public void Weights_are_laid_out_in_every_block_of_both_rows_and_survive_a_save_and_load()
    {
        using var client = HeClient.Generate(4096, 30);
        var model = client.EncryptModel(["a", "b", "c"], [7, -3, 11], 0);

        using var loaded = HeClient.Load(client.SaveParameters(), client.SaveSecretKey());
        var slots = loaded.DecryptSlots(model.Weights.Span);

        Assert.Equal(4096, slots.Length);
        for (var j = 0; j < slots.Length; j++)
        {
            var expected = (j % 4) switch { 0 => 7L, 1 => -3L, 2 => 11L, _ => 0L };
            Assert.Equal(expected, slots[j]);
        }
    }

    [Fact]
    public void Load_refuses_an_altered_secret_key()
    {
        using var client = HeClient.Generate(4096, 30);
        var key = client.SaveSecretKey();
        key[key.Length / 2] ^= 0x40;

        Assert.Throws<BfvException>(() => HeClient.Load(client.SaveParameters(), key));
    }

    [Fact]
    public void Load_refuses_a_secret_key_made_under_other_parameters()
    {
        using var client = HeClient.Generate(4096, 30);
        using var other = HeClient.Generate(8192, 40);

        Assert.Throws<BfvException>(() => HeClient.Load(client.SaveParameters(), other.SaveSecretKey()));
    }

    [Fact]
    public void The_client_never_shows_its_secret_key()
    {
        using var client = HeClient.Generate(4096, 30);
        var key = client.SaveSecretKey();

        var text = client.ToString();

        Assert.Contains("redacted", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(key.AsSpan(key.Length - 16)), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(key.AsSpan(key.Length - 16)), text, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_carry_rotation_keys_only_for_kinds_that_rotate()
    {
        using var client = HeClient.Generate(4096, 30);

        var plain = client.CreateKeys(null);
        var rotating = client.CreateKeys(4);

        Assert.True(plain.GaloisKeys.IsEmpty);
        Assert.False(rotating.GaloisKeys.IsEmpty);
        Assert.Equal(plain.Parameters, rotating.Parameters);
        Assert.NotEqual(plain.PublicKey, rotating.PublicKey);
    }

    [Fact]
    public void Encrypting_a_model_refuses_bad_shapes_scales_and_weights()
    {
        using var client = HeClient.Generate(4096, 30);
        var many = Enumerable.Range(0, 65).Select(i => $"f{i}").ToList();

        Assert.Throws<ArgumentException>(() => client.EncryptModel([], [], 0));
        Assert.Throws<ArgumentException>(() => client.EncryptModel(many, [.. many.Select(_ => 1L)], 0));
        Assert.Throws<ArgumentException>(() => client.EncryptModel(["a", "b"], [1], 0));
        Assert.Throws<ArgumentException>(() => client.EncryptModel(["a", "a"], [1, 2], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.EncryptModel(["a"], [1], 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.EncryptModel(["a"], [1L << 40], 0));
    }

    [Fact]
    public void A_disposed_client_refuses_to_use_its_key()
    {
        var client = HeClient.Generate(4096, 30);
        client.Dispose();

        Assert.Throws<ObjectDisposedException>(() => client.SaveSecretKey());
        Assert.Throws<ObjectDisposedException>(() => client.CreateKeys(null));
    }
}
