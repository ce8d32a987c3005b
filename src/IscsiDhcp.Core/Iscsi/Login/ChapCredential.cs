using System;

namespace IscsiDhcp.Iscsi.Login
{
    /// <summary>
    /// A CHAP name and secret. The secret is held as bytes so the caller can clear it
    /// (<see cref="Dispose"/>) as soon as the login is over; it is never part of
    /// <see cref="ToString"/>, of exceptions or of logs.
    /// </summary>
    public sealed class ChapCredential : IDisposable
    {
        readonly byte[] secret;

        public ChapCredential(string user, byte[] secret)
        {
            if (string.IsNullOrEmpty(user)) throw new ArgumentException("a CHAP credential needs a user name", nameof(user));
            if (secret is null || secret.Length == 0) throw new ArgumentException("a CHAP secret must not be empty", nameof(secret));
            User = user;
            this.secret = (byte[])secret.Clone();
        }

        public string User { get; }

        /// <summary>
        /// A credential from a SecureString (what a PSCredential holds): the secret is taken as
        /// UTF-8, and every plain copy made on the way is cleared before this returns.
        /// </summary>
        public static ChapCredential FromSecureString(string user, System.Security.SecureString secret)
        {
            if (secret is null || secret.Length == 0) throw new ArgumentException("a CHAP secret must not be empty", nameof(secret));
            var unmanaged = System.Runtime.InteropServices.Marshal.SecureStringToGlobalAllocUnicode(secret);
            var chars = new char[secret.Length];
            byte[]? bytes = null;
            try
            {
                System.Runtime.InteropServices.Marshal.Copy(unmanaged, chars, 0, chars.Length);
                bytes = System.Text.Encoding.UTF8.GetBytes(chars);
                return new ChapCredential(user, bytes);
            }
            finally
            {
                System.Runtime.InteropServices.Marshal.ZeroFreeGlobalAllocUnicode(unmanaged);
                Array.Clear(chars, 0, chars.Length);
                if (bytes is not null) Array.Clear(bytes, 0, bytes.Length);
            }
        }

        internal ReadOnlySpan<byte> Secret => secret;

        public void Dispose() => Array.Clear(secret, 0, secret.Length);

        public override string ToString() => $"CHAP user {User}";
    }
}
