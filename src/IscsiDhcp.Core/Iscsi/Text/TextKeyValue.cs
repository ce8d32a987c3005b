namespace IscsiDhcp.Iscsi.Text
{
    /// <summary>One key=value pair of a text or login data segment.</summary>
    public readonly struct TextKeyValue
    {
        public TextKeyValue(string key, string value)
        {
            Key = key;
            Value = value;
        }

        public string Key { get; }
        public string Value { get; }

        /// <summary>Never prints CHAP secrets' derivatives in full: responses and challenges are shortened.</summary>
        public override string ToString() =>
            Key.StartsWith("CHAP_", System.StringComparison.Ordinal) && Value.Length > 12 ? $"{Key}={Value.Substring(0, 8)}..." : $"{Key}={Value}";
    }
}
