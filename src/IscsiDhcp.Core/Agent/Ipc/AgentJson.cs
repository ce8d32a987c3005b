using System.Text.Json;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Agent.Ipc
{
    /// <summary>The agent's own objects on its wire: its status, and the portals it keeps (never their secrets).</summary>
    internal static class AgentJson
    {
        public static void WriteStatus(Utf8JsonWriter w, string name, AgentStatus s)
        {
            w.WriteStartObject(name);
            w.WriteNumber("pid", s.ProcessId);
            w.WriteString("endpoint", s.Endpoint);
            w.WriteString("version", s.Version);
            w.WriteTime("started", s.StartTime);
            w.WriteTimeSpan("uptime", s.Uptime);
            w.WriteTimeSpan("idleTimeout", s.IdleTimeout);
            w.WriteOptional("adminGroup", s.AdminGroup);
            w.WriteString("stateDirectory", s.StateDirectory);
            w.WriteNumber("sessions", s.Sessions);
            w.WriteNumber("persistentSessions", s.PersistentSessions);
            w.WriteNumber("targetPortals", s.TargetPortals);
            w.WriteNumber("leases", s.Leases);
            w.WriteNumber("clients", s.ConnectedClients);
            w.WriteNumber("requests", s.Requests);
            w.WriteNumber("faults", s.Faults);
            w.WriteNumber("permissionDenied", s.PermissionDenied);
            w.WriteNumber("malformed", s.Malformed);
            w.WriteNumber("unknownCommands", s.UnknownCommands);
            w.WriteNumber("slowClients", s.SlowClients);
            w.WriteNumber("refusedConnections", s.RefusedConnections);
            w.WriteOptional("exportEndpoint", s.ExportEndpoint);
            w.WriteNumber("exportClients", s.ExportClients);
            w.WriteNumber("exportConnections", s.ExportConnections);
            w.WriteNumber("exportRefusedByPolicy", s.ExportRefusedByPolicy);
            w.WriteNumber("exportRequests", s.ExportRequests);
            w.WriteNumber("exportFailedRequests", s.ExportFailedRequests);
            w.WriteNumber("exportProtocolViolations", s.ExportProtocolViolations);
            w.WriteNumber("exportBytesRead", s.ExportBytesRead);
            w.WriteNumber("exportBytesWritten", s.ExportBytesWritten);
            w.WriteEndObject();
        }

        public static AgentStatus ReadStatus(JsonElement e) => new()
        {
            ProcessId = e.Int32("pid"),
            Endpoint = e.String("endpoint"),
            Version = e.String("version"),
            StartTime = e.Time("started"),
            Uptime = e.TimeSpan("uptime"),
            IdleTimeout = e.OptionalTimeSpan("idleTimeout"),
            AdminGroup = e.OptionalString("adminGroup"),
            StateDirectory = e.String("stateDirectory"),
            Sessions = e.Int32("sessions"),
            PersistentSessions = e.Int32("persistentSessions"),
            TargetPortals = e.Int32("targetPortals"),
            Leases = e.Int32("leases"),
            ConnectedClients = e.Int32("clients"),
            Requests = e.Int64("requests"),
            Faults = e.Int64("faults"),
            PermissionDenied = e.Int64("permissionDenied"),
            Malformed = e.Int64("malformed"),
            UnknownCommands = e.Int64("unknownCommands"),
            SlowClients = e.Int64("slowClients"),
            RefusedConnections = e.Int64("refusedConnections"),
            ExportEndpoint = e.OptionalString("exportEndpoint"),
            ExportClients = e.Int64("exportClients"),
            ExportConnections = e.Int64("exportConnections"),
            ExportRefusedByPolicy = e.Int64("exportRefusedByPolicy"),
            ExportRequests = e.Int64("exportRequests"),
            ExportFailedRequests = e.Int64("exportFailedRequests"),
            ExportProtocolViolations = e.Int64("exportProtocolViolations"),
            ExportBytesRead = e.Int64("exportBytesRead"),
            ExportBytesWritten = e.Int64("exportBytesWritten"),
        };

        public static void WritePortal(Utf8JsonWriter w, IscsiTargetPortal p)
        {
            w.WriteStartObject();
            w.WriteString("host", p.TargetPortalAddress);
            w.WriteNumber("port", p.TargetPortalPortNumber);
            w.WriteString("initiator", p.InitiatorNodeAddress);
            w.WriteString("authentication", p.AuthenticationType.ToString());
            w.WriteOptional("chapUser", p.ChapUserName);
            w.WriteOptional("targetChapUser", p.TargetChapUserName);
            w.WriteBoolean("headerDigest", p.IsHeaderDigest);
            w.WriteBoolean("dataDigest", p.IsDataDigest);
            w.WriteEndObject();
        }

        public static IscsiTargetPortal ReadPortal(JsonElement e) => new()
        {
            TargetPortalAddress = e.String("host"),
            TargetPortalPortNumber = e.Int32("port"),
            InitiatorNodeAddress = e.String("initiator"),
            AuthenticationType = e.Enum<IscsiAuthenticationType>("authentication"),
            ChapUserName = e.OptionalString("chapUser"),
            TargetChapUserName = e.OptionalString("targetChapUser"),
            IsHeaderDigest = e.Boolean("headerDigest"),
            IsDataDigest = e.Boolean("dataDigest"),
        };
    }
}
