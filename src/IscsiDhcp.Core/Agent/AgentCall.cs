using System;
using System.Text.Json;
using System.Threading;
using IscsiDhcp.Agent.Ipc;

namespace IscsiDhcp.Agent
{
    /// <summary>One request being served: its id, arguments and caller, the connection the reply goes back on, and the caller's cancellation.</summary>
    public sealed class AgentCall
    {
        internal AgentCall(long id, string command, JsonElement arguments, AgentCaller caller, AgentConnection connection, AgentSubscriptions subscriptions,
            CancellationToken cancellation)
        {
            Id = id;
            Command = command;
            Arguments = arguments;
            Caller = caller;
            Connection = connection;
            Subscriptions = subscriptions;
            Cancellation = cancellation;
        }

        public long Id { get; }
        public string Command { get; }
        public JsonElement Arguments { get; }
        public AgentCaller Caller { get; }
        public CancellationToken Cancellation { get; }
        internal AgentConnection Connection { get; }

        /// <summary>This connection's subscriptions: ended with it.</summary>
        internal AgentSubscriptions Subscriptions { get; }

        internal void Reply(Action<Utf8JsonWriter, string>? writeResult) => Connection.Send(AgentMessage.Result(Id, writeResult));

        internal void Event(string kind, Action<Utf8JsonWriter>? writeData) => Connection.Send(AgentMessage.Event(Id, kind, writeData));
    }
}
