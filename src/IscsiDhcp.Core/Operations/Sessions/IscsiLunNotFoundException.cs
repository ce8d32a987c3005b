using System;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>A LUN number the target does not have (not in REPORT LUNS, or LOGICAL UNIT NOT SUPPORTED).</summary>
    public sealed class IscsiLunNotFoundException : Exception
    {
        public IscsiLunNotFoundException(string targetName, int lun, Exception? inner = null)
            : base($"LUN {lun} does not exist on {targetName}", inner)
        {
            TargetName = targetName;
            Lun = lun;
        }

        public string TargetName { get; }
        public int Lun { get; }
    }
}
