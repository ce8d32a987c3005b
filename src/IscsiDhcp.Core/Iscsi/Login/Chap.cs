using System;
using System.Globalization;
using System.Security.Cryptography;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Iscsi.Login
{
    /// <summary>
    /// CHAP as iSCSI uses it (RFC 7143 section 12.1.3, RFC 1994): response =
    /// H(identifier || secret || challenge); binary values in hex (0x) or base64 (0b).
    /// </summary>
    public static class Chap
    {
        /// <summary>The longest challenge we accept from a target (RFC 7143: 1024 bytes).</summary>
        public const int MaxChallengeLength = 1024;

        public static int DigestLength(ChapAlgorithm algorithm) => algorithm switch
        {
            ChapAlgorithm.Md5 => 16,
            ChapAlgorithm.Sha1 => 20,
            ChapAlgorithm.Sha256 => 32,
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown CHAP algorithm"),
        };

        /// <summary>
        /// Whether this process can compute <paramref name="algorithm"/>: MD5 is missing
        /// where FIPS mode forbids it, and the login then offers only the others.
        /// </summary>
        public static bool IsAvailable(ChapAlgorithm algorithm)
        {
            try
            {
                using var hash = Create(algorithm);
                return true;
            }
            catch (Exception e) when (e is InvalidOperationException or CryptographicException or PlatformNotSupportedException or System.Reflection.TargetInvocationException)
            {
                return false;
            }
        }

        static HashAlgorithm Create(ChapAlgorithm algorithm) => algorithm switch
        {
#pragma warning disable CA5351, CA5350 // CHAP mandates MD5 and SHA-1; they are offered last.
            ChapAlgorithm.Md5 => MD5.Create(),
            ChapAlgorithm.Sha1 => SHA1.Create(),
#pragma warning restore CA5351, CA5350
            ChapAlgorithm.Sha256 => SHA256.Create(),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown CHAP algorithm"),
        };

        public static byte[] Response(ChapAlgorithm algorithm, byte identifier, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> challenge)
        {
            var input = new byte[1 + secret.Length + challenge.Length];
            try
            {
                input[0] = identifier;
                secret.CopyTo(input.AsSpan(1));
                challenge.CopyTo(input.AsSpan(1 + secret.Length));
                using var hash = Create(algorithm);
                return hash.ComputeHash(input);
            }
            finally
            {
                Array.Clear(input, 0, input.Length);   // it holds the secret
            }
        }

        public static string EncodeHex(ReadOnlySpan<byte> bytes)
        {
            var chars = new char[2 + (bytes.Length * 2)];
            chars[0] = '0';
            chars[1] = 'x';
            for (var i = 0; i < bytes.Length; i++)
            {
                chars[2 + (2 * i)] = "0123456789abcdef"[bytes[i] >> 4];
                chars[3 + (2 * i)] = "0123456789abcdef"[bytes[i] & 0xF];
            }
            return new string(chars);
        }

        /// <summary>Decodes a binary value: 0x + hex digits (an odd count gets a leading zero) or 0b + base64.</summary>
        public static byte[] DecodeBinary(string value, int maxLength)
        {
            if (value.Length < 3 || value[0] != '0') throw new IscsiProtocolException("a CHAP binary value must start with 0x or 0b");
            byte[] bytes;
            if (value[1] == 'x' || value[1] == 'X')
            {
                var hex = value.Substring(2);
                if (hex.Length > 2 * maxLength) throw new IscsiProtocolException($"a CHAP value is longer than {maxLength} bytes");
                if ((hex.Length & 1) != 0) hex = "0" + hex;
                bytes = new byte[hex.Length / 2];
                for (var i = 0; i < bytes.Length; i++)
                {
                    if (!byte.TryParse(hex.Substring(2 * i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
                        throw new IscsiProtocolException("a CHAP hex value holds a non-hex digit");
                }
            }
            else if (value[1] == 'b' || value[1] == 'B')
            {
                if (value.Length - 2 > ((maxLength + 2) / 3 * 4)) throw new IscsiProtocolException($"a CHAP value is longer than {maxLength} bytes");
                try { bytes = Convert.FromBase64String(value.Substring(2)); }
                catch (FormatException e) { throw new IscsiProtocolException("a CHAP base64 value is malformed", e); }
            }
            else
            {
                throw new IscsiProtocolException("a CHAP binary value must start with 0x or 0b");
            }
            if (bytes.Length == 0 || bytes.Length > maxLength) throw new IscsiProtocolException($"a CHAP value must be 1 to {maxLength} bytes");
            return bytes;
        }

        /// <summary>CHAP_I: a number 0-255, decimal or 0x hex.</summary>
        public static byte DecodeIdentifier(string value)
        {
            var ok = value.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? int.TryParse(value.Substring(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var n)
                : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out n);
            if (!ok || n < 0 || n > 255) throw new IscsiProtocolException($"CHAP_I '{value}' is not a number from 0 to 255");
            return (byte)n;
        }
    }
}
