using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Iscsi.Login
{
    /// <summary>
    /// The login phase as a state machine without I/O (RFC 7143 sections 6 and 12):
    /// <see cref="Start"/> gives the first request; <see cref="Next"/> takes each response
    /// and gives the next request, or null once the target has moved us to full feature
    /// phase. Failures are <see cref="IscsiLoginException"/>s naming the reason.
    /// </summary>
    public sealed class LoginNegotiator
    {
        /// <summary>More exchanges than any honest target needs; past it the login is cut.</summary>
        public const int MaxExchanges = 32;
        /// <summary>The most login text a target may send us, summed over continuations.</summary>
        public const int MaxLoginText = 64 * 1024;

        enum State { AuthMethod, ChapAlgorithm, ChapResponse, SecurityTransit, Operational, Done }

        readonly LoginSettings settings;
        readonly OperationalNegotiator operational;
        readonly TextSegmentCollector collector = new(MaxLoginText);
        State state;
        int exchanges;
        ChapAlgorithm? algorithm;
        byte ourChapId;
        byte[]? ourChallenge;

        public LoginNegotiator(LoginSettings settings)
        {
            settings.Validate();
            this.settings = settings;
            operational = new OperationalNegotiator(settings);
        }

        /// <summary>The CHAP algorithm the target chose, once it has.</summary>
        public ChapAlgorithm? ChapAlgorithm => algorithm;

        /// <summary>The settled parameters; valid once <see cref="IsComplete"/>.</summary>
        public SessionParameters? Parameters { get; private set; }

        public ushort Tsih { get; private set; }

        public bool IsComplete => state == State.Done;

        string TargetLabel => settings.TargetName ?? "the discovery service";

        public LoginStep Start()
        {
            var keys = new List<TextKeyValue>
            {
                new("InitiatorName", settings.InitiatorName),
                new("SessionType", settings.SessionType == SessionType.Discovery ? "Discovery" : "Normal"),
            };
            if (settings.InitiatorAlias is { Length: > 0 } alias) keys.Add(new TextKeyValue("InitiatorAlias", alias));
            if (settings.SessionType == SessionType.Normal) keys.Add(new TextKeyValue("TargetName", settings.TargetName!));
            var chap = settings.Credential is not null;
            keys.Add(new TextKeyValue("AuthMethod", chap ? "CHAP,None" : "None"));
            state = State.AuthMethod;
            // Without credentials we are ready to leave the security stage at once.
            return new LoginStep(LoginStage.SecurityNegotiation, transit: !chap, LoginStage.OperationalNegotiation, keys);
        }

        /// <summary>Takes a Login Response; returns the next request, or null when the login is complete.</summary>
        public LoginStep? Next(LoginResponseHeader response, ReadOnlySpan<byte> data)
        {
            if (state == State.Done) throw new InvalidOperationException("the login is already complete");
            if (++exchanges > MaxExchanges)
                throw new IscsiLoginException(LoginFailure.ProtocolError, $"login to {TargetLabel} did not finish in {MaxExchanges} exchanges");

            collector.Append(data);
            if (response.StatusClass != 0)
            {
                var keys = SafeTake();
                var address = keys.Where(k => k.Key == "TargetAddress").Select(k => TargetAddress.TryParse(k.Value, out var a) ? a : null).FirstOrDefault();
                var failure = IscsiLoginException.FromStatus(response.StatusClass, response.StatusDetail, TargetLabel, address);
                // Refused without credentials while we offered none: the target wants authentication.
                if (failure.Failure == LoginFailure.AuthenticationFailed && settings.Credential is null)
                    throw new IscsiLoginException(LoginFailure.AuthenticationFailed,
                        $"{TargetLabel} requires authentication: it refused a login without it (status 0x{response.StatusClass:X2}{response.StatusDetail:X2}); give a CHAP credential",
                        response.StatusClass, response.StatusDetail);
                throw failure;
            }
            if (response.VersionActive != 0)
                throw new IscsiLoginException(LoginFailure.UnsupportedVersion, $"{TargetLabel} answered with iSCSI version {response.VersionActive}");
            var stage = state is State.Operational ? LoginStage.OperationalNegotiation : LoginStage.SecurityNegotiation;
            if (response.CurrentStage != stage)
                throw Protocol($"answered in stage {response.CurrentStage} while we are in {stage}");
            if (response.Continue)
            {
                // More text follows: ask for it with an empty request in the same stage.
                return new LoginStep(stage, transit: false, stage, Array.Empty<TextKeyValue>());
            }
            var received = Take();
            Tsih = response.Tsih;
            // The target declares TargetPortalGroupTag (and often TargetAlias) in its first
            // response, in the security stage: keep them with the operational results.
            if (state is not State.Operational) operational.Accept(received.Where(k => k.Key is "TargetPortalGroupTag" or "TargetAlias"), new List<TextKeyValue>());
            return state switch
            {
                State.AuthMethod => OnAuthMethod(response, received),
                State.ChapAlgorithm => OnChapChallenge(received),
                State.ChapResponse => OnChapResult(response, received),
                State.SecurityTransit => OnSecurityTransit(response),
                _ => OnOperational(response, received),
            };
        }

        LoginStep OnAuthMethod(LoginResponseHeader response, List<TextKeyValue> keys)
        {
            var method = Value(keys, "AuthMethod");
            var chap = settings.Credential is not null;
            if (method == "CHAP")
            {
                if (!chap)
                    throw new IscsiLoginException(LoginFailure.AuthenticationFailed, $"{TargetLabel} requires authentication (CHAP); no CHAP credential was given");
                state = State.ChapAlgorithm;
                var offer = settings.ChapAlgorithms.Where(Chap.IsAvailable).ToList();
                if (offer.Count == 0)
                    throw new IscsiLoginException(LoginFailure.AuthenticationFailed, "none of the configured CHAP algorithms is available in this process");
                return Security(transit: false, new TextKeyValue("CHAP_A", string.Join(",", offer.Select(a => ((int)a).ToString(System.Globalization.CultureInfo.InvariantCulture)))));
            }
            if (method is not null && method != "None")
            {
                // Reject (or a method we never named) answers our offer: without credentials it
                // means the target will not let us in unauthenticated.
                var which = method is "Reject" or "NotUnderstood" or "Irrelevant" ? "" : $" ({method}, which this initiator does not support)";
                if (!chap)
                    throw new IscsiLoginException(LoginFailure.AuthenticationFailed, $"{TargetLabel} requires authentication{which}: it refused a login without it (AuthMethod={method}); give a CHAP credential");
                throw new IscsiLoginException(LoginFailure.AuthenticationFailed, $"{TargetLabel} accepts none of the authentication methods we offer (CHAP, None): it answered AuthMethod={method}");
            }
            if (settings.TargetCredential is not null)
                throw new IscsiLoginException(LoginFailure.AuthenticationFailed, $"{TargetLabel} would not authenticate itself, and mutual CHAP is required");
            return LeaveSecurity(response);
        }

        LoginStep OnChapChallenge(List<TextKeyValue> keys)
        {
            var chosen = Value(keys, "CHAP_A") ?? throw Protocol("sent no CHAP_A");
            if (!int.TryParse(chosen, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
                || !settings.ChapAlgorithms.Contains((ChapAlgorithm)number))
                throw Protocol($"chose CHAP_A={chosen}, which we did not offer");
            algorithm = (ChapAlgorithm)number;
            var id = Chap.DecodeIdentifier(Value(keys, "CHAP_I") ?? throw Protocol("sent no CHAP_I"));
            var challenge = Chap.DecodeBinary(Value(keys, "CHAP_C") ?? throw Protocol("sent no CHAP_C"), Chap.MaxChallengeLength);
            if (RecentChallenges.Contains(challenge))
                throw new IscsiLoginException(LoginFailure.AuthenticationFailed, $"{TargetLabel} sent back a challenge we issued (a reflection attack)");
            var credential = settings.Credential!;
            var answer = new List<TextKeyValue>
            {
                new("CHAP_N", credential.User),
                new("CHAP_R", Chap.EncodeHex(Chap.Response(algorithm.Value, id, credential.Secret, challenge))),
            };
            if (settings.TargetCredential is not null)
            {
                ourChapId = RandomByte();
                do ourChallenge = RandomBytes(Chap.DigestLength(algorithm.Value));
                while (ourChallenge.AsSpan().SequenceEqual(challenge));
                RecentChallenges.Add(ourChallenge);
                answer.Add(new TextKeyValue("CHAP_I", ourChapId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                answer.Add(new TextKeyValue("CHAP_C", Chap.EncodeHex(ourChallenge)));
            }
            state = State.ChapResponse;
            return Security(transit: true, answer.ToArray());
        }

        LoginStep OnChapResult(LoginResponseHeader response, List<TextKeyValue> keys)
        {
            if (settings.TargetCredential is { } target)
            {
                var name = Value(keys, "CHAP_N");
                var proof = Value(keys, "CHAP_R");
                if (name is null || proof is null)
                    throw new IscsiLoginException(LoginFailure.AuthenticationFailed, $"{TargetLabel} did not answer our CHAP challenge (no CHAP_N/CHAP_R)");
                var expected = Chap.Response(algorithm!.Value, ourChapId, target.Secret, ourChallenge!);
                var actual = Chap.DecodeBinary(proof, Chap.DigestLength(algorithm.Value));
                if (name != target.User || !CryptographicEquals(expected, actual))
                    throw new IscsiLoginException(LoginFailure.AuthenticationFailed, $"{TargetLabel} failed mutual CHAP: wrong name or secret");
            }
            return LeaveSecurity(response);
        }

        LoginStep OnSecurityTransit(LoginResponseHeader response) => LeaveSecurity(response);

        /// <summary>Moves to the operational stage once the target agrees to leave security; otherwise asks it to.</summary>
        LoginStep LeaveSecurity(LoginResponseHeader response)
        {
            if (response.Transit && response.NextStage == LoginStage.OperationalNegotiation)
            {
                state = State.Operational;
                return new LoginStep(LoginStage.OperationalNegotiation, transit: true, LoginStage.FullFeaturePhase, operational.Offer());
            }
            if (response.Transit && response.NextStage == LoginStage.FullFeaturePhase)
                throw Protocol("skipped the operational stage");
            state = State.SecurityTransit;
            return Security(transit: true);
        }

        LoginStep? OnOperational(LoginResponseHeader response, List<TextKeyValue> keys)
        {
            var answers = new List<TextKeyValue>();
            operational.Accept(keys, answers);
            if (response.Transit && response.NextStage == LoginStage.FullFeaturePhase && answers.Count == 0)
            {
                Parameters = operational.Result();
                state = State.Done;
                return null;
            }
            return new LoginStep(LoginStage.OperationalNegotiation, transit: true, LoginStage.FullFeaturePhase, answers);
        }

        static LoginStep Security(bool transit, params TextKeyValue[] keys) =>
            new(LoginStage.SecurityNegotiation, transit, LoginStage.OperationalNegotiation, keys);

        List<TextKeyValue> Take()
        {
            try { return collector.Take(); }
            catch (IscsiProtocolException e) { throw new IscsiLoginException(LoginFailure.ProtocolError, $"{TargetLabel} sent malformed login text: {e.Message}"); }
        }

        List<TextKeyValue> SafeTake()
        {
            try { return collector.Take(); }
            catch (IscsiProtocolException) { return new List<TextKeyValue>(); }
        }

        static string? Value(List<TextKeyValue> keys, string key)
        {
            foreach (var pair in keys) if (pair.Key == key) return pair.Value;
            return null;
        }

        IscsiLoginException Protocol(string what) => new(LoginFailure.ProtocolError, $"{TargetLabel} {what}");

        static bool CryptographicEquals(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            var diff = 0;
            for (var i = 0; i < a.Length; i++) diff |= a[i] ^ b[i];
            return diff == 0;
        }

        static byte RandomByte() => RandomBytes(1)[0];

        static byte[] RandomBytes(int count)
        {
            var bytes = new byte[count];
            using var rng = RandomNumberGenerator.Create();
            rng.GetBytes(bytes);
            return bytes;
        }

        /// <summary>The challenges this process issued lately, so a target cannot reflect one back at us.</summary>
        static class RecentChallenges
        {
            const int Capacity = 256;
            static readonly Queue<byte[]> Issued = new();

            public static void Add(byte[] challenge)
            {
                lock (Issued)
                {
                    Issued.Enqueue(challenge);
                    if (Issued.Count > Capacity) Issued.Dequeue();
                }
            }

            public static bool Contains(byte[] challenge)
            {
                lock (Issued) return Issued.Any(c => c.AsSpan().SequenceEqual(challenge));
            }
        }
    }
}
