using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using FsCheck.Xunit;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace DataTrust.Ledger.Tests.Signing;

public class BouncyCastleAgreementTests
{
    private static readonly ECDomainParameters Domain = CreateDomain();

    private static ECDomainParameters CreateDomain()
    {
        var curve = CustomNamedCurves.GetByName("secp256k1");
        return new ECDomainParameters(curve.Curve, curve.G, curve.N, curve.H);
    }

    // EthereumKey.Sign assembles ECDSA from BouncyCastle's parts to keep R; it must agree with
    // BouncyCastle's own ECDsaSigner (same RFC 6979 nonce) up to the EIP-2 low-s normalisation, and
    // BouncyCastle's verifier must accept the result.
    [Property(MaxTest = 40)]
    public bool Sign_agrees_with_ECDsaSigner_and_passes_its_verifier(byte[] keySeed, byte[] message)
    {
        var privateKey = Keccak256.Hash([.. keySeed, 0x17]);
        using var key = EthereumKey.FromPrivateKey(privateKey);
        var hash = Keccak256.Compute(message);
        var d = new BcBigInteger(1, privateKey);

        var reference = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        reference.Init(true, new ECPrivateKeyParameters(d, Domain));
        var rs = reference.GenerateSignature(hash.ToArray());
        var s = rs[1].CompareTo(Domain.N.ShiftRight(1)) > 0 ? Domain.N.Subtract(rs[1]) : rs[1];

        var ours = key.Sign(hash);

        var verifier = new ECDsaSigner();
        verifier.Init(false, new ECPublicKeyParameters(Domain.G.Multiply(d).Normalize(), Domain));
        return new BcBigInteger(1, ours.RBytes()).Equals(rs[0])
            && new BcBigInteger(1, ours.SBytes()).Equals(s)
            && verifier.VerifySignature(hash.ToArray(), new BcBigInteger(1, ours.RBytes()), new BcBigInteger(1, ours.SBytes()));
    }
}
