using System.Security.Cryptography;
using System.Text;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Tests.Iscsi;

public sealed class ChapTests
{
    static readonly byte[] Secret = Encoding.UTF8.GetBytes("s3cret-of-12");
    static readonly byte[] Challenge = Convert.FromHexString("0102030405060708090a0b0c0d0e0f10");

    [Theory]
    [InlineData(ChapAlgorithm.Md5)]
    [InlineData(ChapAlgorithm.Sha1)]
    [InlineData(ChapAlgorithm.Sha256)]
    public void Responses_equal_an_independent_hash_of_id_secret_and_challenge(ChapAlgorithm algorithm)
    {
        var input = new byte[] { 0x2A }.Concat(Secret).Concat(Challenge).ToArray();
#pragma warning disable CA5351, CA5350
        var expected = algorithm switch
        {
            ChapAlgorithm.Md5 => MD5.HashData(input),
            ChapAlgorithm.Sha1 => SHA1.HashData(input),
            _ => SHA256.HashData(input),
        };
#pragma warning restore CA5351, CA5350
        var response = Chap.Response(algorithm, 0x2A, Secret, Challenge);
        Assert.Equal(expected, response);
        Assert.Equal(Chap.DigestLength(algorithm), response.Length);
    }

    [Fact]
    public void The_RFC_1994_MD5_construction_matches_a_known_value()
    {
        // MD5(0x01 || "secret" || 0x00..0x0f), computed independently.
        var response = Chap.Response(ChapAlgorithm.Md5, 1, "secret"u8, Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
        Assert.Equal(Convert.ToHexString(MD5Of([1, .. "secret"u8.ToArray(), .. Enumerable.Range(0, 16).Select(i => (byte)i)])), Convert.ToHexString(response));
    }

#pragma warning disable CA5351
    static byte[] MD5Of(byte[] data) => MD5.HashData(data);
#pragma warning restore CA5351

    [Theory]
    [InlineData("0x0a0B", new byte[] { 0x0A, 0x0B })]
    [InlineData("0XABC", new byte[] { 0x0A, 0xBC })]
    [InlineData("0bAQID", new byte[] { 1, 2, 3 })]
    public void Binary_values_decode_in_hex_and_base64(string text, byte[] bytes)
    {
        Assert.Equal(bytes, Chap.DecodeBinary(text, 1024));
    }

    [Theory]
    [InlineData("1234")]
    [InlineData("0x")]
    [InlineData("0xZZ")]
    [InlineData("0b***")]
    public void Malformed_binary_values_are_protocol_errors(string text)
    {
        Assert.Throws<IscsiProtocolException>(() => Chap.DecodeBinary(text, 1024));
    }

    [Fact]
    public void Challenges_longer_than_the_limit_are_refused_before_decoding()
    {
        Assert.Throws<IscsiProtocolException>(() => Chap.DecodeBinary("0x" + new string('a', 2050), 1024));
        Assert.Equal(1024, Chap.DecodeBinary("0x" + new string('a', 2048), 1024).Length);
    }

    [Theory]
    [InlineData("7", 7)]
    [InlineData("0x1f", 31)]
    [InlineData("255", 255)]
    public void Identifiers_parse_in_decimal_and_hex(string text, int value)
    {
        Assert.Equal(value, Chap.DecodeIdentifier(text));
    }

    [Theory]
    [InlineData("256")]
    [InlineData("-1")]
    [InlineData("x")]
    public void Bad_identifiers_are_refused(string text)
    {
        Assert.Throws<IscsiProtocolException>(() => Chap.DecodeIdentifier(text));
    }

    [Fact]
    public void A_credential_never_shows_its_secret_and_can_be_cleared()
    {
        var credential = new ChapCredential("alice", Encoding.UTF8.GetBytes("topsecret-value"));
        Assert.DoesNotContain("topsecret", credential.ToString());
        credential.Dispose();
        Assert.All(credential.Secret.ToArray(), b => Assert.Equal(0, b));
    }
}
