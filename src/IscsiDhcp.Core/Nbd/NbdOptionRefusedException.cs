using System.IO;

namespace IscsiDhcp.Nbd
{
    /// <summary>The server refused an option (an NBD_REP_ERR_* reply), with the message it gave.</summary>
    public sealed class NbdOptionRefusedException : IOException
    {
        public NbdOptionRefusedException(NbdOption option, NbdOptionReplyType reply, string serverMessage)
            : base($"the NBD server refused {option}: {reply}{(serverMessage.Length > 0 ? $" ({serverMessage})" : "")}")
        {
            Option = option;
            Reply = reply;
            ServerMessage = serverMessage;
        }

        public NbdOption Option { get; }
        public NbdOptionReplyType Reply { get; }
        public string ServerMessage { get; }
    }
}
