using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace IscsiDhcp.Agent.Ipc
{
    /// <summary>
    /// Reading the fields of a message: each getter names the field it wanted when the message
    /// lacks it or has the wrong kind of value, so a malformed message is rejected with a reason.
    /// </summary>
    internal static class JsonFields
    {
        public static JsonElement Object(this JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : throw Missing(name, "an object");

        public static JsonElement? OptionalObject(this JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? (v.ValueKind == JsonValueKind.Object ? v : throw Missing(name, "an object")) : null;

        public static string String(this JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Missing(name, "a string");

        public static string? OptionalString(this JsonElement e, string name) =>
            !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
            : v.ValueKind == JsonValueKind.String ? v.GetString() : throw Missing(name, "a string");

        public static long Int64(this JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : throw Missing(name, "an integer");

        public static long? OptionalInt64(this JsonElement e, string name) =>
            !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null : e.Int64(name);

        public static int Int32(this JsonElement e, string name)
        {
            var n = e.Int64(name);
            return n >= int.MinValue && n <= int.MaxValue ? (int)n : throw Missing(name, "a 32-bit integer");
        }

        public static bool Boolean(this JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && (v.ValueKind == JsonValueKind.True || v.ValueKind == JsonValueKind.False) ? v.GetBoolean() : throw Missing(name, "true or false");

        public static bool OptionalBoolean(this JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null && e.Boolean(name);

        public static TEnum Enum<TEnum>(this JsonElement e, string name) where TEnum : struct =>
            System.Enum.TryParse<TEnum>(e.String(name), ignoreCase: false, out var value) && System.Enum.IsDefined(typeof(TEnum), value) ? value : throw Missing(name, $"a {typeof(TEnum).Name}");

        public static TEnum? OptionalEnum<TEnum>(this JsonElement e, string name) where TEnum : struct =>
            e.OptionalString(name) is null ? null : e.Enum<TEnum>(name);

        public static TimeSpan TimeSpan(this JsonElement e, string name) => System.TimeSpan.FromTicks(e.Int64(name));

        public static TimeSpan? OptionalTimeSpan(this JsonElement e, string name) => e.OptionalInt64(name) is { } ticks ? System.TimeSpan.FromTicks(ticks) : null;

        public static DateTimeOffset Time(this JsonElement e, string name) => ParseTime(e.String(name), name);

        public static DateTimeOffset? OptionalTime(this JsonElement e, string name) => e.OptionalString(name) is { } text ? ParseTime(text, name) : null;

        public static IPAddress? OptionalAddress(this JsonElement e, string name) =>
            e.OptionalString(name) is { } text ? (IPAddress.TryParse(text, out var a) ? a : throw Missing(name, "an IP address")) : null;

        public static byte[] Bytes(this JsonElement e, string name)
        {
            try { return Convert.FromBase64String(e.String(name)); }
            catch (FormatException) { throw Missing(name, "base64 bytes"); }
        }

        public static byte[]? OptionalBytes(this JsonElement e, string name) => e.OptionalString(name) is null ? null : e.Bytes(name);

        public static IReadOnlyList<JsonElement> Array(this JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return System.Array.Empty<JsonElement>();
            if (v.ValueKind != JsonValueKind.Array) throw Missing(name, "an array");
            var items = new List<JsonElement>();
            foreach (var item in v.EnumerateArray()) items.Add(item);
            return items;
        }

        public static IPAddress[] Addresses(this JsonElement e, string name)
        {
            var items = e.Array(name);
            var addresses = new IPAddress[items.Count];
            for (var i = 0; i < items.Count; i++)
                addresses[i] = items[i].ValueKind == JsonValueKind.String && IPAddress.TryParse(items[i].GetString(), out var a) ? a : throw Missing(name, "IP addresses");
            return addresses;
        }

        public static string[] Strings(this JsonElement e, string name)
        {
            var items = e.Array(name);
            var strings = new string[items.Count];
            for (var i = 0; i < items.Count; i++)
                strings[i] = items[i].ValueKind == JsonValueKind.String ? items[i].GetString()! : throw Missing(name, "strings");
            return strings;
        }

        public static void WriteTime(this Utf8JsonWriter w, string name, DateTimeOffset? time)
        {
            if (time is { } t) w.WriteString(name, t.ToString("o", CultureInfo.InvariantCulture));
        }

        public static void WriteTimeSpan(this Utf8JsonWriter w, string name, TimeSpan? span)
        {
            if (span is { } s) w.WriteNumber(name, s.Ticks);
        }

        public static void WriteAddress(this Utf8JsonWriter w, string name, IPAddress? address)
        {
            if (address is not null) w.WriteString(name, address.ToString());
        }

        public static void WriteAddresses(this Utf8JsonWriter w, string name, IEnumerable<IPAddress> addresses)
        {
            w.WriteStartArray(name);
            foreach (var a in addresses) w.WriteStringValue(a.ToString());
            w.WriteEndArray();
        }

        public static void WriteOptional(this Utf8JsonWriter w, string name, string? value)
        {
            if (value is not null) w.WriteString(name, value);
        }

        static DateTimeOffset ParseTime(string text, string name) =>
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : throw Missing(name, "a time");

        static AgentProtocolException Missing(string name, string what) => new($"'{name}' is not {what}");
    }
}
