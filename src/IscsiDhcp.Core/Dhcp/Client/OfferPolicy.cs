namespace IscsiDhcp.Dhcp.Client
{
    /// <summary>How to choose among the offers collected while selecting.</summary>
    public enum OfferPolicy
    {
        /// <summary>The first offer, at once.</summary>
        First,
        /// <summary>An offer of the requested address if one comes within the window, else the first.</summary>
        RequestedAddress,
        /// <summary>An offer from the preferred server if one comes within the window, else the first.</summary>
        PreferredServer,
    }
}
