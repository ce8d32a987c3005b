using System;
using System.Linq;
using System.Text.Json;
using IscsiDhcp.Common;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Session;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Agent.Ipc
{
    /// <summary>
    /// Sessions on the agent's wire: requests (with their CHAP secrets: they travel only over
    /// the local socket, to a privileged agent), snapshots and transitions. A snapshot read
    /// here is held by the agent.
    /// </summary>
    internal static class SessionJson
    {
        public static void WritePortal(Utf8JsonWriter w, string name, TargetAddress portal)
        {
            w.WriteStartObject(name);
            WritePortalFields(w, portal);
            w.WriteEndObject();
        }

        public static void WritePortalFields(Utf8JsonWriter w, TargetAddress portal)
        {
            w.WriteString("host", portal.Host);
            w.WriteNumber("port", portal.Port);
            if (portal.PortalGroupTag is { } tag) w.WriteNumber("tag", tag);
        }

        public static TargetAddress ReadPortal(JsonElement e)
        {
            var tag = e.OptionalInt64("tag");
            try { return new TargetAddress(e.String("host"), e.Int32("port"), tag is { } t ? checked((ushort)t) : null); }
            catch (Exception x) when (x is ArgumentException or OverflowException) { throw new AgentProtocolException($"a bad portal: {x.Message}"); }
        }

        public static void WriteStatus(Utf8JsonWriter w, IscsiSessionStatus s)
        {
            w.WriteStartObject();
            w.WriteString("id", s.SessionIdentifier);
            w.WriteString("target", s.TargetNodeAddress);
            w.WriteString("initiator", s.InitiatorNodeAddress);
            w.WriteString("state", s.State.ToString());
            WritePortal(w, "portal", s.TargetPortal);
            WritePortal(w, "originalPortal", s.OriginalTargetPortal);
            w.WriteTime("connectedSince", s.ConnectedSince);
            w.WriteNumber("reconnects", s.ReconnectCount);
            w.WriteNumber("redirects", s.RedirectCount);
            w.WriteOptional("lastError", s.LastError);
            w.WriteOptional("lastSubscriberError", s.LastSubscriberError);
            w.WriteNumber("inFlight", s.CommandsInFlight);
            w.WriteNumber("bytesRead", s.BytesRead);
            w.WriteNumber("bytesWritten", s.BytesWritten);
            w.WriteTimeSpan("lastNop", s.LastNopRoundTrip);
            if (s.Parameters is { } p) WriteParameters(w, p);
            w.WriteString("isid", s.Isid);
            w.WriteOptional("alias", s.TargetAlias);
            w.WriteNumber("tpgt", s.TargetPortalGroupTag);
            w.WriteNumber("tsih", s.Tsih);
            w.WriteBoolean("persistent", s.IsPersistent);
            w.WriteEndObject();
        }

        public static IscsiSessionStatus ReadStatus(JsonElement e) => new()
        {
            SessionIdentifier = e.String("id"),
            TargetNodeAddress = e.String("target"),
            InitiatorNodeAddress = e.String("initiator"),
            State = e.Enum<IscsiSessionState>("state"),
            TargetPortal = ReadPortal(e.Object("portal")),
            OriginalTargetPortal = ReadPortal(e.Object("originalPortal")),
            ConnectedSince = e.OptionalTime("connectedSince"),
            ReconnectCount = e.Int32("reconnects"),
            RedirectCount = e.Int32("redirects"),
            LastError = e.OptionalString("lastError"),
            LastSubscriberError = e.OptionalString("lastSubscriberError"),
            CommandsInFlight = e.Int32("inFlight"),
            BytesRead = e.Int64("bytesRead"),
            BytesWritten = e.Int64("bytesWritten"),
            LastNopRoundTrip = e.OptionalTimeSpan("lastNop"),
            Parameters = e.OptionalObject("parameters") is { } p ? ReadParameters(p) : null,
            Isid = e.String("isid"),
            TargetAlias = e.OptionalString("alias"),
            TargetPortalGroupTag = e.Int32("tpgt"),
            Tsih = checked((ushort)e.Int64("tsih")),
            IsPersistent = e.Boolean("persistent"),
            HeldBy = HeldBy.Agent,
        };

        static void WriteParameters(Utf8JsonWriter w, SessionParameters p)
        {
            w.WriteStartObject("parameters");
            w.WriteBoolean("headerDigest", p.HeaderDigest);
            w.WriteBoolean("dataDigest", p.DataDigest);
            w.WriteNumber("maxConnections", p.MaxConnections);
            w.WriteBoolean("initialR2T", p.InitialR2T);
            w.WriteBoolean("immediateData", p.ImmediateData);
            w.WriteNumber("maxRecvDataSegmentLength", p.MaxRecvDataSegmentLength);
            w.WriteNumber("targetMaxRecvDataSegmentLength", p.TargetMaxRecvDataSegmentLength);
            w.WriteNumber("maxBurstLength", p.MaxBurstLength);
            w.WriteNumber("firstBurstLength", p.FirstBurstLength);
            w.WriteNumber("defaultTime2Wait", p.DefaultTime2Wait);
            w.WriteNumber("defaultTime2Retain", p.DefaultTime2Retain);
            w.WriteNumber("maxOutstandingR2T", p.MaxOutstandingR2T);
            w.WriteBoolean("dataPduInOrder", p.DataPduInOrder);
            w.WriteBoolean("dataSequenceInOrder", p.DataSequenceInOrder);
            w.WriteNumber("errorRecoveryLevel", p.ErrorRecoveryLevel);
            w.WriteOptional("targetAlias", p.TargetAlias);
            w.WriteNumber("targetPortalGroupTag", p.TargetPortalGroupTag);
            w.WriteEndObject();
        }

        static SessionParameters ReadParameters(JsonElement e) => new()
        {
            HeaderDigest = e.Boolean("headerDigest"),
            DataDigest = e.Boolean("dataDigest"),
            MaxConnections = e.Int32("maxConnections"),
            InitialR2T = e.Boolean("initialR2T"),
            ImmediateData = e.Boolean("immediateData"),
            MaxRecvDataSegmentLength = e.Int32("maxRecvDataSegmentLength"),
            TargetMaxRecvDataSegmentLength = e.Int32("targetMaxRecvDataSegmentLength"),
            MaxBurstLength = e.Int32("maxBurstLength"),
            FirstBurstLength = e.Int32("firstBurstLength"),
            DefaultTime2Wait = e.Int32("defaultTime2Wait"),
            DefaultTime2Retain = e.Int32("defaultTime2Retain"),
            MaxOutstandingR2T = e.Int32("maxOutstandingR2T"),
            DataPduInOrder = e.Boolean("dataPduInOrder"),
            DataSequenceInOrder = e.Boolean("dataSequenceInOrder"),
            ErrorRecoveryLevel = e.Int32("errorRecoveryLevel"),
            TargetAlias = e.OptionalString("targetAlias"),
            TargetPortalGroupTag = checked((ushort)e.Int64("targetPortalGroupTag")),
        };

        public static void WriteChange(Utf8JsonWriter w, IscsiSessionStateChange c)
        {
            w.WriteStartObject();
            w.WriteTime("time", c.Time);
            w.WriteString("target", c.TargetName);
            w.WriteString("from", c.From.ToString());
            w.WriteString("to", c.To.ToString());
            w.WriteString("reason", c.Reason);
            if (c.Error is not null) FaultJson.Write(w, "error", c.Error);
            w.WriteEndObject();
        }

        public static IscsiSessionStateChange ReadChange(JsonElement e) =>
            new(e.Time("time"), e.String("target"), e.Enum<IscsiSessionState>("from"), e.Enum<IscsiSessionState>("to"), e.String("reason"),
                e.OptionalObject("error") is { } error ? FaultJson.Read(error) : null);

        /// <summary>A request, secrets included: only ever written to the agent's socket or to its root-only store.</summary>
        public static void WriteRequest(Utf8JsonWriter w, string name, IscsiSessionRequest r)
        {
            w.WriteStartObject(name);
            WritePortal(w, "portal", r.Portal);
            var s = r.Settings;
            w.WriteString("initiator", s.InitiatorName);
            w.WriteOptional("initiatorAlias", s.InitiatorAlias);
            w.WriteString("sessionType", s.SessionType.ToString());
            w.WriteOptional("target", s.TargetName);
            WriteCredential(w, "credential", s.Credential);
            WriteCredential(w, "targetCredential", s.TargetCredential);
            w.WriteStartArray("chapAlgorithms");
            foreach (var a in s.ChapAlgorithms) w.WriteStringValue(a.ToString());
            w.WriteEndArray();
            w.WriteBoolean("headerDigest", s.HeaderDigest);
            w.WriteBoolean("dataDigest", s.DataDigest);
            w.WriteNumber("maxRecvDataSegmentLength", s.MaxRecvDataSegmentLength);
            w.WriteNumber("maxBurstLength", s.MaxBurstLength);
            w.WriteNumber("firstBurstLength", s.FirstBurstLength);
            w.WriteBoolean("initialR2T", s.InitialR2T);
            w.WriteBoolean("immediateData", s.ImmediateData);
            w.WriteNumber("maxOutstandingR2T", s.MaxOutstandingR2T);
            w.WriteNumber("defaultTime2Wait", s.DefaultTime2Wait);
            w.WriteNumber("defaultTime2Retain", s.DefaultTime2Retain);
            var o = r.SessionOptions;
            w.WriteTimeSpan("connectTimeout", o.ConnectTimeout);
            w.WriteTimeSpan("loginTimeout", o.LoginTimeout);
            w.WriteNumber("queueDepth", o.QueueDepth);
            if (o.Isid is { } isid) w.WriteNumber("isid", isid);
            var v = r.Supervision;
            w.WriteTimeSpan("nopInterval", v.NopInterval);
            w.WriteTimeSpan("nopTimeout", v.NopTimeout);
            w.WriteTimeSpan("replacementTimeout", v.ReplacementTimeout);
            w.WriteTimeSpan("reconnectDelay", v.ReconnectDelay);
            w.WriteTimeSpan("maxReconnectDelay", v.MaxReconnectDelay);
            w.WriteNumber("loginAttempts", v.LoginAttempts);
            w.WriteNumber("maxRedirects", v.MaxRedirects);
            w.WriteNumber("reconnectStormLimit", v.ReconnectStormLimit);
            w.WriteTimeSpan("reconnectStormWindow", v.ReconnectStormWindow);
            w.WriteTimeSpan("drainTimeout", v.DrainTimeout);
            w.WriteTimeSpan("logoutTimeout", v.LogoutTimeout);
            w.WriteTimeSpan("firstLoginTimeout", v.FirstLoginTimeout);
            w.WriteBoolean("persistent", r.IsPersistent);
            w.WriteEndObject();
        }

        /// <summary>Reads a request and checks it as the in-process path does (Validate), so a bad one is an argument error, not a crash.</summary>
        public static IscsiSessionRequest ReadRequest(JsonElement e)
        {
            var settings = new LoginSettings
            {
                InitiatorName = e.String("initiator"),
                InitiatorAlias = e.OptionalString("initiatorAlias"),
                SessionType = e.Enum<SessionType>("sessionType"),
                TargetName = e.OptionalString("target"),
                Credential = ReadCredential(e, "credential"),
                TargetCredential = ReadCredential(e, "targetCredential"),
                ChapAlgorithms = e.Array("chapAlgorithms").Select(a => a.ValueKind == JsonValueKind.String && Enum.TryParse<ChapAlgorithm>(a.GetString(), out var x)
                    ? x : throw new AgentProtocolException("'chapAlgorithms' names an unknown algorithm")).ToArray(),
                HeaderDigest = e.Boolean("headerDigest"),
                DataDigest = e.Boolean("dataDigest"),
                MaxRecvDataSegmentLength = e.Int32("maxRecvDataSegmentLength"),
                MaxBurstLength = e.Int32("maxBurstLength"),
                FirstBurstLength = e.Int32("firstBurstLength"),
                InitialR2T = e.Boolean("initialR2T"),
                ImmediateData = e.Boolean("immediateData"),
                MaxOutstandingR2T = e.Int32("maxOutstandingR2T"),
                DefaultTime2Wait = e.Int32("defaultTime2Wait"),
                DefaultTime2Retain = e.Int32("defaultTime2Retain"),
            };
            var options = new IscsiSessionOptions
            {
                ConnectTimeout = e.TimeSpan("connectTimeout"),
                LoginTimeout = e.TimeSpan("loginTimeout"),
                QueueDepth = e.Int32("queueDepth"),
                Isid = e.OptionalInt64("isid") is { } isid ? (ulong)isid : null,
            };
            var supervision = new IscsiSupervisorOptions
            {
                NopInterval = e.TimeSpan("nopInterval"),
                NopTimeout = e.TimeSpan("nopTimeout"),
                ReplacementTimeout = e.TimeSpan("replacementTimeout"),
                ReconnectDelay = e.TimeSpan("reconnectDelay"),
                MaxReconnectDelay = e.TimeSpan("maxReconnectDelay"),
                LoginAttempts = e.Int32("loginAttempts"),
                MaxRedirects = e.Int32("maxRedirects"),
                ReconnectStormLimit = e.Int32("reconnectStormLimit"),
                ReconnectStormWindow = e.TimeSpan("reconnectStormWindow"),
                DrainTimeout = e.TimeSpan("drainTimeout"),
                LogoutTimeout = e.TimeSpan("logoutTimeout"),
                FirstLoginTimeout = e.OptionalTimeSpan("firstLoginTimeout"),
            };
            settings.Validate();
            options.Validate();
            supervision.Validate();
            return new IscsiSessionRequest(ReadPortal(e.Object("portal")), settings, options, supervision) { IsPersistent = e.OptionalBoolean("persistent") };
        }

        static void WriteCredential(Utf8JsonWriter w, string name, ChapCredential? credential)
        {
            if (credential is null) return;
            w.WriteStartObject(name);
            w.WriteString("user", credential.User);
            w.WriteBase64String("secret", credential.Secret);
            w.WriteEndObject();
        }

        static ChapCredential? ReadCredential(JsonElement e, string name)
        {
            if (e.OptionalObject(name) is not { } c) return null;
            var secret = c.Bytes("secret");
            try { return new ChapCredential(c.String("user"), secret); }
            finally { Array.Clear(secret, 0, secret.Length); }
        }
    }
}
