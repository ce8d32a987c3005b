using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Dhcp.Agent;
using IscsiDhcp.Common;
using IscsiDhcp.Iscsi.Supervisor;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// What every completer of this module shares: matching what the user typed, quoting what
    /// is offered, and never failing. A completer runs on every Tab press; an exception from
    /// it would reach the user's prompt, so whatever goes wrong there offers nothing instead.
    /// </summary>
    static class CompleterText
    {
        static readonly char[] NeedsQuotes = { ' ', '\t', '\'', '"', '`', '$', ';', ',', '(', ')', '{', '}', '|', '&', '@', '#', '<', '>' };

        /// <summary>A test for candidates: what was typed (quotes left off) as a prefix, with PowerShell's wildcards.</summary>
        public static Func<string, bool> Matcher(string? wordToComplete)
        {
            var word = (wordToComplete ?? "").Trim().Trim('\'', '"');
            try
            {
                var pattern = new GlobPattern(word + "*");
                return candidate => candidate is not null && pattern.IsMatch(candidate);
            }
            catch (ArgumentException)
            {
                // Not a valid wildcard pattern ("[z-a]", a lone "`"): the text as typed is the prefix.
                return candidate => candidate is not null && candidate.StartsWith(word, StringComparison.OrdinalIgnoreCase);
            }
        }

        /// <summary>A parameter value, in single quotes when the shell would otherwise split or expand it.</summary>
        public static CompletionResult Result(string value, string toolTip)
        {
            var text = value.IndexOfAny(NeedsQuotes) >= 0 ? "'" + value.Replace("'", "''") + "'" : value;
            return new CompletionResult(text, value, CompletionResultType.ParameterValue, string.IsNullOrEmpty(toolTip) ? value : toolTip);
        }

        /// <summary>The candidates, or none when gathering them failed.</summary>
        public static IEnumerable<CompletionResult> Safely(Func<IEnumerable<CompletionResult>> candidates)
        {
            try
            {
                return candidates().ToList();
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>();
            }
        }

        // A completer runs on every Tab press: it may not wait long for the service.
        static readonly TimeSpan ServiceWait = TimeSpan.FromSeconds(1);

        /// <summary>The sessions as the service has them now; none when it does not answer within a second.</summary>
        public static IReadOnlyList<IscsiSessionStatus> Sessions() => Ask(cancel => OperationCmdlet.Service.GetSessionsAsync(cancel), Array.Empty<IscsiSessionStatus>());

        /// <summary>The leases as the service has them now; none when it does not answer within a second.</summary>
        public static IReadOnlyList<DhcpLeaseStatus> Leases() => Ask(cancel => OperationCmdlet.Service.Leases.StatusAllAsync(cancel), Array.Empty<DhcpLeaseStatus>());

        static T Ask<T>(Func<CancellationToken, Task<T>> question, T none)
        {
            using var timeout = new CancellationTokenSource(ServiceWait);
            var answer = question(timeout.Token);
            return answer.Wait(ServiceWait) ? answer.Result : none;
        }

        /// <summary>A bound parameter's value as text, when the user has typed one (a literal, not an expression).</summary>
        public static string? Bound(System.Collections.IDictionary? fakeBoundParameters, string name)
        {
            if (fakeBoundParameters is null || !fakeBoundParameters.Contains(name)) return null;
            var value = fakeBoundParameters[name];
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            return value is string or int or long ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;
        }
    }
}
