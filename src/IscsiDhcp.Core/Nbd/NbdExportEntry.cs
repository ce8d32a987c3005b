namespace IscsiDhcp.Nbd
{
    /// <summary>One line of NBD_OPT_LIST: an export's name and a description for a human.</summary>
    public sealed class NbdExportEntry
    {
        public NbdExportEntry(string name, string? description = null)
        {
            Name = name;
            Description = description;
        }

        public string Name { get; }
        public string? Description { get; }

        public override string ToString() => Name;
    }
}
