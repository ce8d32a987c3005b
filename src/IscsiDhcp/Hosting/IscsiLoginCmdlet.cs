using System.Management.Automation;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Hosting
{
    /// <summary>The identity and authentication parameters Find-IscsiTarget and Connect-IscsiTarget share (Windows' iSCSI module names).</summary>
    public abstract class IscsiLoginCmdlet : OperationCmdlet
    {
        [Parameter]
        public IscsiAuthenticationType AuthenticationType { get; set; }

        /// <summary>Our CHAP user name and secret.</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>For mutual CHAP: the user name and secret the target must prove.</summary>
        [Parameter]
        [Credential]
        public PSCredential? TargetCredential { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? InitiatorName { get; set; }

        protected void Fill(IscsiLoginParameters login)
        {
            login.AuthenticationType = AuthenticationType;
            login.InitiatorName = InitiatorName;
            if (Credential is not null && Credential != PSCredential.Empty)
            {
                login.ChapUserName = Credential.UserName;
                login.ChapSecret = Credential.Password;
            }
            if (TargetCredential is not null && TargetCredential != PSCredential.Empty)
            {
                login.TargetChapUserName = TargetCredential.UserName;
                login.TargetChapSecret = TargetCredential.Password;
            }
        }
    }
}
