using System.Net;
using System.Text.Json;
using IscsiDhcp.Agent.Ipc;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Dhcp.Client;

namespace IscsiDhcp.Tests.Agent;

/// <summary>Conflict detection crosses the agent's wire: the option in a start request, the status counters, an event's conflict.</summary>
public sealed class LeaseJsonTests
{
    static readonly DhcpLeaseKey Key = new("eth1", [1, 2, 0, 0, 0, 0, 7]);
    static readonly AddressConflict Conflict = new(IPAddress.Parse("198.18.5.30"), "3e:94:16:78:6d:b0", new DateTimeOffset(2026, 12, 7, 15, 27, 5, TimeSpan.Zero));

    static JsonElement Written(Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }
        return JsonDocument.Parse(buffer.ToArray()).RootElement;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_conflict_detection_choice_survives_a_start_request(bool detect)
    {
        var request = new DhcpStartRequest("eth1") { ClientOptions = new DhcpClientOptions { ConflictDetection = detect } };
        var read = LeaseJson.ReadStartRequest(Written(w => LeaseJson.WriteStartRequest(w, "request", request)).GetProperty("request"));
        Assert.Equal(detect, read.ClientOptions!.ConflictDetection);
    }

    [Fact]
    public void Status_counters_and_the_last_conflict_survive()
    {
        var status = new DhcpLeaseStatus
        {
            Key = Key, State = DhcpClientState.Probing, ConflictDetection = true,
            ProbesSent = 7, Conflicts = 2, Declines = 1, LastConflict = Conflict, MalformedArpFrames = 4,
        };
        var read = LeaseJson.ReadStatus(Written(w => { w.WritePropertyName("s"); LeaseJson.WriteStatus(w, status); }).GetProperty("s"));
        Assert.Equal((DhcpClientState.Probing, true, 7L, 2L, 1L, 4L), (read.State, read.ConflictDetection, read.ProbesSent, read.Conflicts, read.Declines, read.MalformedArpFrames));
        Assert.Equal(Conflict, read.LastConflict);
    }

    [Fact]
    public void An_events_conflict_survives_and_an_event_without_one_has_none()
    {
        var declined = new DhcpAgentEventArgs(Key, new DhcpLeaseEventArgs(DhcpLeaseEventKind.Declined, Conflict.DetectedAt, null, null, Conflict));
        var read = LeaseJson.ReadEvent(Written(w => { w.WritePropertyName("e"); LeaseJson.WriteEvent(w, declined); }).GetProperty("e"));
        Assert.Equal(DhcpLeaseEventKind.Declined, read.Event.Kind);
        Assert.Equal(Conflict, read.Event.Conflict);

        var probing = new DhcpAgentEventArgs(Key, new DhcpLeaseEventArgs(DhcpLeaseEventKind.Probing, Conflict.DetectedAt, null, null));
        Assert.Null(LeaseJson.ReadEvent(Written(w => { w.WritePropertyName("e"); LeaseJson.WriteEvent(w, probing); }).GetProperty("e")).Event.Conflict);
    }
}
