using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Transport;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Iscsi.Session
{
    public sealed partial class IscsiProtocolSession
    {
        /// <summary>
        /// Connects to <paramref name="portal"/>, logs in, and returns the session in full
        /// feature phase. Login failures are <see cref="IscsiLoginException"/>s (a redirect
        /// among them, for the caller to follow); connection failures are
        /// <see cref="IscsiConnectException"/>s.
        /// </summary>
        public static Task<IscsiProtocolSession> LoginAsync(TargetAddress portal, LoginSettings settings, IscsiSessionOptions? options = null,
            CancellationToken cancel = default) =>
            LoginAsync(portal, settings, options, null, null, cancel);

        /// <summary>
        /// As <see cref="LoginAsync(TargetAddress, LoginSettings, IscsiSessionOptions?, CancellationToken)"/>, for a supervisor:
        /// <paramref name="connected"/> is called each time TCP is up and the login is about to start (its XptWait and InLogin),
        /// with why when it is a second connection of the same login (null for the first);
        /// <paramref name="beforeStart"/> with the logged-in session before it reads anything, so no event can be missed.
        /// </summary>
        internal static async Task<IscsiProtocolSession> LoginAsync(TargetAddress portal, LoginSettings settings, IscsiSessionOptions? options, Action<string?>? connected,
            Action<IscsiProtocolSession>? beforeStart, CancellationToken cancel)
        {
            options ??= new IscsiSessionOptions();
            options.Validate();
            settings.Validate();
            var mayFallBack = settings.Credential is not null && settings.ChapAlgorithms.Count > 1 && settings.ChapAlgorithms[0] == ChapAlgorithm.Sha256;
            var withoutSha256 = mayFallBack ? settings with { ChapAlgorithms = settings.ChapAlgorithms.Where(a => a != ChapAlgorithm.Sha256).ToList() } : settings;
            // A portal that refused SHA-256 before gets the algorithm that worked there at once.
            if (mayFallBack && ChapPortalMemory.RefusesSha256(portal))
                return await LoginOnceAsync(portal, withoutSha256, options, connected, null, beforeStart, cancel).ConfigureAwait(false);
            try
            {
                return await LoginOnceAsync(portal, settings, options, connected, null, beforeStart, cancel).ConfigureAwait(false);
            }
            catch (IscsiLoginException e) when (mayFallBack && e.StatusClass == 2 && e.StatusDetail <= 1 && e.ChapAlgorithm == ChapAlgorithm.Sha256)
            {
                // tgtd (and targets derived from it) read CHAP_A=7 as SHA-1, an old draft's
                // number, and so reject a correct SHA-256 response (as 0x0200 or 0x0201). One
                // more login without 7 settles it; a wrong secret fails that one too and is
                // reported from it: two attempts at most, never a retry loop. When the target
                // chose another algorithm the secret was the problem, and there is no second try.
                var session = await LoginOnceAsync(portal, withoutSha256, options, connected,
                    $"{settings.TargetName ?? portal.ToString()} refused our CHAP answer with SHA-256 (CHAP_A=7, which some targets, tgtd among them, take for SHA-1); logging in again offering {string.Join(", ", withoutSha256.ChapAlgorithms)}",
                    beforeStart, cancel).ConfigureAwait(false);
                ChapPortalMemory.NoteSha256Refused(portal);
                return session;
            }
        }

        static async Task<IscsiProtocolSession> LoginOnceAsync(TargetAddress portal, LoginSettings settings, IscsiSessionOptions options, Action<string?>? connected,
            string? why, Action<IscsiProtocolSession>? beforeStart, CancellationToken cancel)
        {
            var connection = await IscsiConnection.ConnectAsync(portal, options.ConnectTimeout, cancel).ConfigureAwait(false);
            LoginNegotiator? negotiator = null;
            try
            {
                connected?.Invoke(why);
                var isid = options.Isid ?? DefaultIsid(settings.InitiatorName, settings.TargetName);
                negotiator = new LoginNegotiator(settings);
                var step = negotiator.Start();
                var bhs = new byte[Bhs.Length];
                var tag = 1u;
                var statSN = 0u;
                var haveStatSN = false;
                LoginResponseHeader response = default;
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                deadline.CancelAfter(options.LoginTimeout);
                // Reads block; the deadline (or the caller's cancellation) closes the connection to end them.
                using var closeOnDeadline = deadline.Token.Register(connection.Dispose);
                try
                {
                    while (step is not null)
                    {
                        var data = TextCodec.Encode(step.Keys);
                        if (data.Length > 8192) throw new IscsiLoginException(LoginFailure.ProtocolError, "our login text exceeds the 8192 bytes allowed before negotiation");
                        new LoginRequestHeader
                        {
                            Transit = step.Transit,
                            CurrentStage = step.CurrentStage,
                            NextStage = step.NextStage,
                            Isid = isid,
                            Tsih = options.Tsih,
                            InitiatorTaskTag = tag,
                            CmdSN = 0,
                            ExpStatSN = haveStatSN ? statSN + 1 : 0,
                            DataSegmentLength = data.Length,
                        }.Write(bhs);
                        await connection.SendAsync(bhs, data, deadline.Token).ConfigureAwait(false);

                        connection.ReadHeader(bhs);
                        if (Bhs.Opcode(bhs) != IscsiOpcode.LoginResponse)
                            throw new IscsiLoginException(LoginFailure.ProtocolError, $"{settings.TargetName ?? portal.ToString()} answered a login with opcode 0x{(byte)Bhs.Opcode(bhs):X2}");
                        response = LoginResponseHeader.Read(bhs);
                        // A failed login's response may carry a zeroed ISID (tgtd does); the status says all then.
                        if (response.StatusClass == 0 && (response.InitiatorTaskTag != tag || response.Isid != isid))
                            throw new IscsiLoginException(LoginFailure.ProtocolError, $"a login response for task {response.InitiatorTaskTag} and ISID {response.Isid:X12}, not task {tag} and ISID {isid:X12}");
                        var text = new byte[response.DataSegmentLength];
                        connection.ReadData(text);
                        statSN = response.StatSN;
                        haveStatSN = true;
                        step = negotiator.Next(response, text);
                    }
                }
                catch (Exception) when (deadline.IsCancellationRequested)
                {
                    cancel.ThrowIfCancellationRequested();
                    throw new TimeoutException($"login to {settings.TargetName ?? portal.ToString()} did not finish within {options.LoginTimeout.TotalSeconds:0.#} s");
                }

                var parameters = negotiator.Parameters!;
                // Digests start with the first PDU after the final login response (RFC 7143 section 13.1).
                connection.HeaderDigest = parameters.HeaderDigest;
                connection.DataDigest = parameters.DataDigest;
                connection.MaxRecvDataSegmentLength = parameters.MaxRecvDataSegmentLength;
                var session = new IscsiProtocolSession(connection, portal, settings, isid, negotiator.Tsih, parameters,
                    statSN, response.ExpCmdSN, response.MaxCmdSN, options.QueueDepth, tag);
                beforeStart?.Invoke(session);
                session.StartReceiving();
                return session;
            }
            catch (IscsiLoginException e) when (NoteChapAlgorithm(e, negotiator))
            {
                throw;   // not reached: the filter only notes the algorithm
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        /// <summary>Tells a failed login which CHAP algorithm the target had chosen (the fallback above depends on it); never catches.</summary>
        static bool NoteChapAlgorithm(IscsiLoginException e, LoginNegotiator? negotiator)
        {
            e.ChapAlgorithm ??= negotiator?.ChapAlgorithm;
            return false;
        }

        /// <summary>
        /// A stable ISID for an initiator/target pair (RFC 7143 section 11.12.5): the random
        /// format (T=11b) with bits derived from both names, so a reconnect reinstates the
        /// same session and two targets get different ISIDs.
        /// </summary>
        public static ulong DefaultIsid(string initiatorName, string? targetName)
        {
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(initiatorName + "\n" + (targetName ?? "discovery")));
            ulong isid = 0;
            for (var i = 0; i < 6; i++) isid = (isid << 8) | hash[i];
            return (isid & 0x00FF_FFFF_FFFF) | 0xC000_0000_0000;   // T=11b, A=0
        }
    }
}
