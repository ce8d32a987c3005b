using System;
using System.Collections.Generic;

namespace IscsiDhcp.Agent
{
    /// <summary>The subscriptions one connection holds, by the id of the request that made each; all end when the connection does.</summary>
    internal sealed class AgentSubscriptions : IDisposable
    {
        /// <summary>Enough for every session and lease a shell could watch; more is a client out of control.</summary>
        public const int Max = 1024;

        readonly Dictionary<long, IDisposable> byId = new();
        bool disposed;

        /// <summary>Keeps <paramref name="subscription"/> until it is removed or the connection ends; false (and disposed) when that has happened already or the limit is reached.</summary>
        public bool Add(long id, IDisposable subscription)
        {
            lock (byId)
            {
                if (!disposed && byId.Count < Max && !byId.ContainsKey(id))
                {
                    byId.Add(id, subscription);
                    return true;
                }
            }
            subscription.Dispose();
            return false;
        }

        public bool Remove(long id)
        {
            IDisposable? subscription;
            lock (byId)
            {
                if (!byId.TryGetValue(id, out subscription)) return false;
                byId.Remove(id);
            }
            subscription.Dispose();
            return true;
        }

        public int Count
        {
            get { lock (byId) return byId.Count; }
        }

        public void Dispose()
        {
            List<IDisposable> all;
            lock (byId)
            {
                disposed = true;
                all = new List<IDisposable>(byId.Values);
                byId.Clear();
            }
            foreach (var s in all) s.Dispose();
        }
    }
}
