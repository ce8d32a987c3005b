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

        internal ReadOnlySpan<byte> Secret => secret;

        public void Dispose() => Array.Clear(secret, 0, secret.Length);

        public override string ToString() => $"CHAP user {User}";
    }
}
