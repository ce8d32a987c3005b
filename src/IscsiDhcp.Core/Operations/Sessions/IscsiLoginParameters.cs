using System;
using System.Collections.Generic;
using System.Security;
using IscsiDhcp.Iscsi.Login;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>Who logs in and how, as a user gave it (the cmdlets' -AuthenticationType, -Credential, -TargetCredential, ...).</summary>
    public sealed class IscsiLoginParameters
    {
        public IscsiAuthenticationType AuthenticationType { get; set; }
        /// <summary>Our CHAP user name and secret (-Credential).</summary>
        public string? ChapUserName { get; set; }
        public SecureString? ChapSecret { get; set; }
        /// <summary>For mutual CHAP: the name and secret the target must prove (-TargetCredential).</summary>
        public string? TargetChapUserName { get; set; }
        public SecureString? TargetChapSecret { get; set; }
        public string? InitiatorName { get; set; }
        public IReadOnlyList<ChapAlgorithm>? ChapAlgorithms { get; set; }
        public bool HeaderDigest { get; set; }
        public bool DataDigest { get; set; }

        /// <summary>The login settings, or an ArgumentException naming the parameter that does not fit.</summary>
        public LoginSettings ToSettings(string? targetName)
        {
            var hasOwn = ChapUserName is not null;
            var hasTarget = TargetChapUserName is not null;
            switch (AuthenticationType)
            {
                case IscsiAuthenticationType.None when hasOwn || hasTarget:
                    throw new ArgumentException("-Credential or -TargetCredential was given with -AuthenticationType None; use OneWayChap or MutualChap");
                case IscsiAuthenticationType.OneWayChap when !hasOwn:
                    throw new ArgumentException("-AuthenticationType OneWayChap needs -Credential: our CHAP user name and secret");
                case IscsiAuthenticationType.OneWayChap when hasTarget:
                    throw new ArgumentException("-TargetCredential is for -AuthenticationType MutualChap");
                case IscsiAuthenticationType.MutualChap when !hasOwn || !hasTarget:
                    throw new ArgumentException("-AuthenticationType MutualChap needs -Credential (ours) and -TargetCredential (the target's)");
            }
            // Checked here so the message names the cmdlet's parameters (LoginSettings names its own properties).
            if (targetName is not null && !IscsiName.IsValid(targetName))
                throw new ArgumentException($"-NodeAddress '{targetName}' is not an iSCSI name (iqn., eui. or naa.)");
            var initiatorName = InitiatorName ?? LoginSettings.DefaultInitiatorName;
            if (!IscsiName.IsValid(initiatorName))
                throw new ArgumentException($"-InitiatorName '{initiatorName}' is not an iSCSI name (iqn., eui. or naa.)");
            var settings = new LoginSettings
            {
                TargetName = targetName,
                SessionType = targetName is null ? SessionType.Discovery : SessionType.Normal,
                InitiatorName = initiatorName,
                HeaderDigest = HeaderDigest,
                DataDigest = DataDigest,
                Credential = hasOwn ? ChapCredential.FromSecureString(ChapUserName!, ChapSecret ?? new SecureString()) : null,
                TargetCredential = hasTarget ? ChapCredential.FromSecureString(TargetChapUserName!, TargetChapSecret ?? new SecureString()) : null,
            };
            if (ChapAlgorithms is { Count: > 0 } algorithms) settings = settings with { ChapAlgorithms = algorithms };
            settings.Validate();
            return settings;
        }
    }
}
