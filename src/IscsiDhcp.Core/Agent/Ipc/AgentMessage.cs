using System;
using System.IO;
using System.Text.Json;

namespace IscsiDhcp.Agent.Ipc
{
    /// <summary>
    /// The messages on the agent's socket, each one frame of JSON:
    /// a request <c>{"id":7,"command":"Lease.Status","args":{...}}</c>, its cancellation
    /// <c>{"cancel":7}</c>, a reply <c>{"id":7,"result":...}</c> or <c>{"id":7,"fault":{...}}</c>,
    /// and an event of a subscription <c>{"subscription":7,"event":"lease","data":{...}}</c>
    /// (a subscription is named by the id of the request that made it, so the caller knows it
    /// before the first event can arrive).
    /// </summary>
    public static class AgentMessage
    {
        static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = false };
        static readonly JsonDocumentOptions ReaderOptions = new() { MaxDepth = 16 };

        /// <summary>Builds one whole frame (header and body) by writing the body's JSON object.</summary>
        public static Frame Build(Action<Utf8JsonWriter> writeFields)
        {
            var buffer = new MemoryStream(256);
            buffer.Write(new byte[AgentFrame.HeaderLength], 0, AgentFrame.HeaderLength);
            using (var w = new Utf8JsonWriter(buffer, WriterOptions))
            {
                w.WriteStartObject();
                writeFields(w);
                w.WriteEndObject();
            }
            var bytes = buffer.GetBuffer();
            var length = (int)buffer.Length;
            if (length - AgentFrame.HeaderLength > AgentFrame.MaxBodyLength)
                throw new InvalidDataException($"a message of {length - AgentFrame.HeaderLength} bytes is larger than the agent accepts");
            AgentFrame.WriteHeader(bytes, length - AgentFrame.HeaderLength);
            return new Frame(bytes, length);
        }

        public static Frame Request(long id, string command, Action<Utf8JsonWriter>? writeArguments) => Build(w =>
        {
            w.WriteNumber("id", id);
            w.WriteString("command", command);
            w.WriteStartObject("args");
            writeArguments?.Invoke(w);
            w.WriteEndObject();
        });

        public static Frame Cancel(long id) => Build(w => w.WriteNumber("cancel", id));

        public static Frame Result(long id, Action<Utf8JsonWriter, string>? writeResult) => Build(w =>
        {
            w.WriteNumber("id", id);
            if (writeResult is null) w.WriteNull("result");
            else writeResult(w, "result");
        });

        public static Frame Fault(long id, Exception failure) => Build(w =>
        {
            w.WriteNumber("id", id);
            FaultJson.Write(w, "fault", failure);
        });

        public static Frame Event(long subscription, string kind, Action<Utf8JsonWriter>? writeData) => Build(w =>
        {
            w.WriteNumber("subscription", subscription);
            w.WriteString("event", kind);
            if (writeData is not null)
            {
                w.WritePropertyName("data");
                writeData(w);
            }
        });

        /// <summary>Parses a body: a JSON object, or a protocol error. The caller disposes the document.</summary>
        public static JsonDocument Parse(ReadOnlyMemory<byte> body)
        {
            JsonDocument document;
            try { document = JsonDocument.Parse(body, ReaderOptions); }
            catch (JsonException e) { throw new AgentProtocolException($"not JSON: {e.Message}", e); }
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new AgentProtocolException("a message is a JSON object");
            }
            return document;
        }

        /// <summary>A frame ready for the socket. <see cref="Clear"/> wipes it (a request may carry a CHAP secret).</summary>
        public readonly struct Frame
        {
            public Frame(byte[] buffer, int length)
            {
                Buffer = buffer;
                Length = length;
            }

            public byte[] Buffer { get; }
            public int Length { get; }

            public void Clear() => Array.Clear(Buffer, 0, Buffer.Length);
        }
    }
}
