using System.Collections.Generic;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Iscsi.Login
{
    /// <summary>One Login Request to send: its stage bits and its keys.</summary>
    public sealed class LoginStep
    {
        public LoginStep(LoginStage currentStage, bool transit, LoginStage nextStage, IReadOnlyList<TextKeyValue> keys)
        {
            CurrentStage = currentStage;
            Transit = transit;
            NextStage = nextStage;
            Keys = keys;
        }

        public LoginStage CurrentStage { get; }
        public bool Transit { get; }
        public LoginStage NextStage { get; }
        public IReadOnlyList<TextKeyValue> Keys { get; }
    }
}
