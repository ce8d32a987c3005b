using IscsiDhcp.Iscsi.Login;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>
    /// A target portal the agent keeps (New-IscsiTargetPortal): where to discover and how to
    /// log in there. The CHAP secrets stay in the agent's root-only store; this shows only
    /// that there are some (the user names and the authentication type).
    /// </summary>
    public sealed class IscsiTargetPortal
    {
        public string TargetPortalAddress { get; internal set; } = "";
        public int TargetPortalPortNumber { get; internal set; }
        public string InitiatorNodeAddress { get; internal set; } = "";
        public IscsiAuthenticationType AuthenticationType { get; internal set; }
        public string? ChapUserName { get; internal set; }
        public string? TargetChapUserName { get; internal set; }
        public bool IsHeaderDigest { get; internal set; }
        public bool IsDataDigest { get; internal set; }

        internal static IscsiTargetPortal From(IscsiSessionRequest request)
        {
            var s = request.Settings;
            return new IscsiTargetPortal
            {
                TargetPortalAddress = request.Portal.Host,
                TargetPortalPortNumber = request.Portal.Port,
                InitiatorNodeAddress = s.InitiatorName,
                AuthenticationType = s.TargetCredential is not null ? IscsiAuthenticationType.MutualChap
                    : s.Credential is not null ? IscsiAuthenticationType.OneWayChap : IscsiAuthenticationType.None,
                ChapUserName = s.Credential?.User,
                TargetChapUserName = s.TargetCredential?.User,
                IsHeaderDigest = s.HeaderDigest,
                IsDataDigest = s.DataDigest,
            };
        }

        public override string ToString() => $"{TargetPortalAddress}:{TargetPortalPortNumber}";
    }
}
