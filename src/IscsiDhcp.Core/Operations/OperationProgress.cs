namespace IscsiDhcp.Operations
{
    /// <summary>A progress report, as Write-Progress shows it.</summary>
    public sealed class OperationProgress
    {
        public OperationProgress(int activityId, string activity, string status, int percentComplete = -1, int secondsRemaining = -1, bool completed = false)
        {
            ActivityId = activityId;
            Activity = activity;
            Status = status;
            PercentComplete = percentComplete;
            SecondsRemaining = secondsRemaining;
            Completed = completed;
        }

        public int ActivityId { get; }
        public string Activity { get; }
        public string Status { get; }
        /// <summary>0 to 100, or -1 when unknown.</summary>
        public int PercentComplete { get; }
        /// <summary>-1 when unknown.</summary>
        public int SecondsRemaining { get; }
        /// <summary>The activity is over: the bar goes away.</summary>
        public bool Completed { get; }
    }
}
