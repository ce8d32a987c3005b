using System;
using System.Collections.Generic;

namespace IscsiDhcp.Iscsi.Login
{
    /// <summary>What the initiator asks for at login: identity, authentication and its side of the operational keys.</summary>
    public sealed record LoginSettings
    {
        /// <summary>The default initiator name: an iqn under this project's naming authority, unique per machine.</summary>
        public static string DefaultInitiatorName =>
            "iqn.2026-11.org.iscsidhcp:" + Environment.MachineName.ToLowerInvariant().Replace('_', '-');

        public string InitiatorName { get; init; } = DefaultInitiatorName;
        public string? InitiatorAlias { get; init; }
        public SessionType SessionType { get; init; } = SessionType.Normal;
        /// <summary>Required for a normal session; absent for discovery.</summary>
        public string? TargetName { get; init; }

        /// <summary>Our CHAP name and secret; null means no authentication is offered.</summary>
        public ChapCredential? Credential { get; init; }
        /// <summary>For mutual CHAP: the name and secret the target must prove.</summary>
        public ChapCredential? TargetCredential { get; init; }
        /// <summary>CHAP_A preference, best first (SHA-256, SHA-1, MD5 by default).</summary>
        public IReadOnlyList<ChapAlgorithm> ChapAlgorithms { get; init; } = new[] { ChapAlgorithm.Sha256, ChapAlgorithm.Sha1, ChapAlgorithm.Md5 };

        public bool HeaderDigest { get; init; }
        public bool DataDigest { get; init; }
        /// <summary>The largest data segment we accept (declared to the target).</summary>
        public int MaxRecvDataSegmentLength { get; init; } = 256 * 1024;
        public int MaxBurstLength { get; init; } = 16 * 1024 * 1024 - 1;
        public int FirstBurstLength { get; init; } = 256 * 1024;
        /// <summary>Offer InitialR2T=No (send unsolicited data) unless set.</summary>
        public bool InitialR2T { get; init; }
        public bool ImmediateData { get; init; } = true;
        public int MaxOutstandingR2T { get; init; } = 1;
        public int DefaultTime2Wait { get; init; } = 2;
        public int DefaultTime2Retain { get; init; } = 20;

        /// <summary>Checks the settings a user supplied, naming the first one that is wrong.</summary>
        public void Validate()
        {
            if (!IscsiName.IsValid(InitiatorName)) throw new ArgumentException($"InitiatorName '{InitiatorName}' is not an iqn., eui. or naa. name", nameof(InitiatorName));
            if (SessionType == SessionType.Normal && (TargetName is null || !IscsiName.IsValid(TargetName)))
                throw new ArgumentException($"TargetName '{TargetName}' is not an iqn., eui. or naa. name", nameof(TargetName));
            if (TargetCredential is not null && Credential is null)
                throw new ArgumentException("mutual CHAP needs the initiator's own credential too", nameof(TargetCredential));
            if (Credential is not null && ChapAlgorithms.Count == 0)
                throw new ArgumentException("no CHAP algorithm to offer", nameof(ChapAlgorithms));
            Check(nameof(MaxRecvDataSegmentLength), MaxRecvDataSegmentLength, 512, 16777215);
            Check(nameof(MaxBurstLength), MaxBurstLength, 512, 16777215);
            Check(nameof(FirstBurstLength), FirstBurstLength, 512, MaxBurstLength);
            Check(nameof(MaxOutstandingR2T), MaxOutstandingR2T, 1, 65535);
            Check(nameof(DefaultTime2Wait), DefaultTime2Wait, 0, 3600);
            Check(nameof(DefaultTime2Retain), DefaultTime2Retain, 0, 3600);
        }

        static void Check(string name, int value, int min, int max)
        {
            if (value < min || value > max) throw new ArgumentOutOfRangeException(name, value, $"{name} must be from {min} to {max}");
        }
    }
}
