using DataTrust.Core.Identity;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace DataTrust.Core.Tests;

public sealed class UnifiedSocialCreditCodeTests
{
    [Theory]
    [InlineData("91350100M000100Y43")]
    public void Published_codes_have_a_valid_check_character(string code)
    {
        Assert.True(UnifiedSocialCreditCode.IsValid(code));
    }

    [Fact]
    public void Weights_follow_powers_of_three_modulo_31()
    {
        // Body of all '0' except one '1' at position i: the check is 31 - w_i.
        var expectedWeights = new[] { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
        for (var i = 0; i < 17; i++)
        {
            var body = new string('0', i) + "1" + new string('0', 16 - i);
            var check = UnifiedSocialCreditCode.ComputeCheckCharacter(body);
            Assert.Equal(UnifiedSocialCreditCode.Alphabet[31 - expectedWeights[i]], check);
        }
    }

    [Fact]
    public void A_changed_check_character_is_invalid()
    {
        Assert.False(UnifiedSocialCreditCode.IsValid("91350100M000100Y44"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("91350100M000100Y4")]
    [InlineData("91350100M000100I43")]
    [InlineData("91350100m000100Y43")]
    public void Malformed_codes_are_invalid(string? code)
    {
        Assert.False(UnifiedSocialCreditCode.IsValid(code));
    }

    [Fact]
    public void A_body_with_a_character_outside_the_alphabet_is_refused()
    {
        Assert.Throws<ArgumentException>(() => UnifiedSocialCreditCode.ComputeCheckCharacter("91350100M000100O4"));
    }

    [Property(MaxTest = 200)]
    public Property Any_single_character_substitution_is_detected(PositiveInt seed, PositiveInt position, PositiveInt replacement)
    {
        var alphabet = UnifiedSocialCreditCode.Alphabet;
        var rng = seed.Get;
        var body = new char[17];
        for (var i = 0; i < body.Length; i++)
        {
            rng = (rng * 1103515245 + 12345) & 0x7fffffff;
            body[i] = alphabet[rng % alphabet.Length];
        }

        var code = new string(body) + UnifiedSocialCreditCode.ComputeCheckCharacter(body);
        var chars = code.ToCharArray();
        var at = position.Get % 18;
        var original = alphabet.IndexOf(chars[at], StringComparison.Ordinal);
        chars[at] = alphabet[(original + 1 + (replacement.Get % 30)) % 31];
        return (UnifiedSocialCreditCode.IsValid(code) && !UnifiedSocialCreditCode.IsValid(new string(chars))).ToProperty();
    }
}
