using System;
using System.Collections.Generic;
using System.Globalization;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Iscsi.Login
{
    /// <summary>
    /// The operational stage's key negotiation (RFC 7143 sections 6.2 and 13): what we
    /// offer, whether each answer is one the rules allow, answers to keys the target
    /// raises itself, and the settled <see cref="SessionParameters"/>.
    /// </summary>
    public sealed class OperationalNegotiator
    {
        enum Rule
        {
            /// <summary>The answer is one of the offered values.</summary>
            List,
            /// <summary>Boolean AND: an offered No stays No.</summary>
            And,
            /// <summary>Boolean OR: an offered Yes stays Yes.</summary>
            Or,
            /// <summary>Numerical minimum: the answer is at most the offer.</summary>
            Min,
            /// <summary>Numerical maximum: the answer is at least the offer.</summary>
            Max,
            /// <summary>Each side states its own value; nothing to agree.</summary>
            Declarative,
        }

        readonly struct KeyRule
        {
            public KeyRule(Rule rule, int low = 0, int high = 0)
            {
                Kind = rule;
                Low = low;
                High = high;
            }

            public Rule Kind { get; }
            public int Low { get; }
            public int High { get; }
        }

        static readonly Dictionary<string, KeyRule> Rules = new(StringComparer.Ordinal)
        {
            ["HeaderDigest"] = new(Rule.List),
            ["DataDigest"] = new(Rule.List),
            ["MaxConnections"] = new(Rule.Min, 1, 65535),
            ["InitialR2T"] = new(Rule.Or),
            ["ImmediateData"] = new(Rule.And),
            ["MaxRecvDataSegmentLength"] = new(Rule.Declarative, 512, 16777215),
            ["MaxBurstLength"] = new(Rule.Min, 512, 16777215),
            ["FirstBurstLength"] = new(Rule.Min, 512, 16777215),
            ["DefaultTime2Wait"] = new(Rule.Max, 0, 3600),
            ["DefaultTime2Retain"] = new(Rule.Min, 0, 3600),
            ["MaxOutstandingR2T"] = new(Rule.Min, 1, 65535),
            ["DataPDUInOrder"] = new(Rule.Or),
            ["DataSequenceInOrder"] = new(Rule.Or),
            ["ErrorRecoveryLevel"] = new(Rule.Min, 0, 2),
            ["IFMarker"] = new(Rule.And),
            ["OFMarker"] = new(Rule.And),
            ["TargetAlias"] = new(Rule.Declarative),
            ["TargetPortalGroupTag"] = new(Rule.Declarative, 0, 65535),
            ["TargetAddress"] = new(Rule.Declarative),
        };

        readonly LoginSettings settings;
        readonly Dictionary<string, string> offered = new(StringComparer.Ordinal);
        readonly Dictionary<string, string> settled = new(StringComparer.Ordinal);

        public OperationalNegotiator(LoginSettings settings)
        {
            this.settings = settings;
            var digests = new Func<bool, string>(on => on ? "CRC32C,None" : "None");
            Add("HeaderDigest", digests(settings.HeaderDigest));
            Add("DataDigest", digests(settings.DataDigest));
            if (settings.SessionType == SessionType.Normal)
            {
                Add("MaxConnections", "1");
                Add("InitialR2T", YesNo(settings.InitialR2T));
                Add("ImmediateData", YesNo(settings.ImmediateData));
                Add("MaxBurstLength", Number(settings.MaxBurstLength));
                Add("FirstBurstLength", Number(settings.FirstBurstLength));
                Add("MaxOutstandingR2T", Number(settings.MaxOutstandingR2T));
                Add("DataPDUInOrder", "Yes");
                Add("DataSequenceInOrder", "Yes");
            }
            Add("MaxRecvDataSegmentLength", Number(settings.MaxRecvDataSegmentLength));
            Add("DefaultTime2Wait", Number(settings.DefaultTime2Wait));
            Add("DefaultTime2Retain", Number(settings.DefaultTime2Retain));
            Add("ErrorRecoveryLevel", "0");
            Add("IFMarker", "No");
            Add("OFMarker", "No");
        }

        void Add(string key, string value) => offered[key] = value;

        public IReadOnlyList<TextKeyValue> Offer()
        {
            var keys = new List<TextKeyValue>();
            foreach (var pair in offered) keys.Add(new TextKeyValue(pair.Key, pair.Value));
            return keys;
        }

        /// <summary>
        /// Takes the target's keys: checks answers to our offers, answers keys it raised
        /// (adding them to <paramref name="answers"/>), and records declarations.
        /// </summary>
        public void Accept(IEnumerable<TextKeyValue> keys, List<TextKeyValue> answers)
        {
            foreach (var pair in keys)
            {
                if (!Rules.TryGetValue(pair.Key, out var rule))
                {
                    // Keys of the security stage may be repeated harmlessly; anything else we do not know.
                    if (!pair.Key.StartsWith("X-", StringComparison.Ordinal) && !pair.Key.StartsWith("X#", StringComparison.Ordinal)
                        && pair.Key != "AuthMethod" && pair.Key != "TargetName" && pair.Key != "InitiatorName" && pair.Key != "SessionType")
                        answers.Add(new TextKeyValue(pair.Key, "NotUnderstood"));
                    continue;
                }
                if (pair.Value is "Reject" or "Irrelevant" or "NotUnderstood")
                {
                    settled.Remove(pair.Key);   // the RFC default stays in force
                    continue;
                }
                if (rule.Kind == Rule.Declarative)
                {
                    if (rule.High > 0) CheckNumber(pair, rule, out _);
                    settled[pair.Key] = pair.Value;
                }
                else if (offered.TryGetValue(pair.Key, out var ours))
                {
                    CheckAnswer(pair, rule, ours);
                    settled[pair.Key] = pair.Value;
                }
                else
                {
                    var result = Respond(pair, rule);
                    settled[pair.Key] = result;
                    answers.Add(new TextKeyValue(pair.Key, result));
                }
            }
        }

        static void CheckAnswer(TextKeyValue answer, KeyRule rule, string offer)
        {
            switch (rule.Kind)
            {
                case Rule.List:
                    if (Array.IndexOf(offer.Split(','), answer.Value) < 0) throw Bad(answer, $"not one of the offered {offer}");
                    break;
                case Rule.Or:
                    CheckBool(answer);
                    if (offer == "Yes" && answer.Value != "Yes") throw Bad(answer, "OR of an offered Yes must be Yes");
                    break;
                case Rule.And:
                    CheckBool(answer);
                    if (offer == "No" && answer.Value != "No") throw Bad(answer, "AND of an offered No must be No");
                    break;
                case Rule.Min:
                    CheckNumber(answer, rule, out var low);
                    if (low > Parse(offer)) throw Bad(answer, $"above the offered {offer}");
                    break;
                case Rule.Max:
                    CheckNumber(answer, rule, out var high);
                    if (high < Parse(offer)) throw Bad(answer, $"below the offered {offer}");
                    break;
            }
        }

        string Respond(TextKeyValue proposal, KeyRule rule)
        {
            switch (rule.Kind)
            {
                case Rule.List:
                    foreach (var value in proposal.Value.Split(','))
                        if (value == "None" || (value == "CRC32C" && (proposal.Key == "HeaderDigest" ? settings.HeaderDigest : settings.DataDigest)))
                            return value;
                    return "Reject";
                case Rule.Or:
                    CheckBool(proposal);
                    return proposal.Value == "Yes" ? "Yes" : DefaultOf(proposal.Key);
                case Rule.And:
                    CheckBool(proposal);
                    return proposal.Value == "No" ? "No" : DefaultOf(proposal.Key);
                case Rule.Min:
                    CheckNumber(proposal, rule, out var theirs);
                    return Number(Math.Min(theirs, Parse(DefaultOf(proposal.Key))));
                default:
                    CheckNumber(proposal, rule, out var value2);
                    return Number(Math.Max(value2, Parse(DefaultOf(proposal.Key))));
            }
        }

        /// <summary>Our own value for a key the target raises: what we would have offered, else the RFC default.</summary>
        string DefaultOf(string key) => offered.TryGetValue(key, out var v) ? v : key switch
        {
            "InitialR2T" or "DataPDUInOrder" or "DataSequenceInOrder" or "ImmediateData" => "Yes",
            "IFMarker" or "OFMarker" => "No",
            "MaxConnections" => "1",
            "MaxBurstLength" => "262144",
            "FirstBurstLength" => "65536",
            "MaxOutstandingR2T" => "1",
            _ => "0",
        };

        /// <summary>The parameters in force after the login: negotiated values over the RFC defaults.</summary>
        public SessionParameters Result()
        {
            var d = SessionParameters.Defaults;
            var p = new SessionParameters
            {
                HeaderDigest = Get("HeaderDigest", "None") == "CRC32C",
                DataDigest = Get("DataDigest", "None") == "CRC32C",
                MaxConnections = Parse(Get("MaxConnections", "1")),
                InitialR2T = Get("InitialR2T", "Yes") == "Yes",
                ImmediateData = Get("ImmediateData", "Yes") == "Yes",
                MaxRecvDataSegmentLength = settings.MaxRecvDataSegmentLength,
                TargetMaxRecvDataSegmentLength = Parse(Get("MaxRecvDataSegmentLength", Number(d.TargetMaxRecvDataSegmentLength))),
                MaxBurstLength = Parse(Get("MaxBurstLength", Number(d.MaxBurstLength))),
                FirstBurstLength = Parse(Get("FirstBurstLength", Number(d.FirstBurstLength))),
                DefaultTime2Wait = Parse(Get("DefaultTime2Wait", Number(d.DefaultTime2Wait))),
                DefaultTime2Retain = Parse(Get("DefaultTime2Retain", Number(d.DefaultTime2Retain))),
                MaxOutstandingR2T = Parse(Get("MaxOutstandingR2T", "1")),
                DataPduInOrder = Get("DataPDUInOrder", "Yes") == "Yes",
                DataSequenceInOrder = Get("DataSequenceInOrder", "Yes") == "Yes",
                ErrorRecoveryLevel = Parse(Get("ErrorRecoveryLevel", "0")),
                TargetAlias = settled.TryGetValue("TargetAlias", out var alias) ? alias : null,
                TargetPortalGroupTag = (ushort)Parse(Get("TargetPortalGroupTag", "0")),
            };
            if (p.FirstBurstLength > p.MaxBurstLength)
                throw new IscsiProtocolException($"FirstBurstLength {p.FirstBurstLength} exceeds MaxBurstLength {p.MaxBurstLength}");
            return p;
        }

        string Get(string key, string fallback) => settled.TryGetValue(key, out var v) ? v : fallback;

        static void CheckBool(TextKeyValue pair)
        {
            if (pair.Value != "Yes" && pair.Value != "No") throw Bad(pair, "not Yes or No");
        }

        static void CheckNumber(TextKeyValue pair, KeyRule rule, out int value)
        {
            if (!TryParse(pair.Value, out value) || value < rule.Low || value > rule.High)
                throw Bad(pair, $"not a number from {rule.Low} to {rule.High}");
        }

        static bool TryParse(string text, out int value) =>
            text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? int.TryParse(text.Substring(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
                : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

        static int Parse(string text) => TryParse(text, out var v) ? v : throw new IscsiProtocolException($"'{text}' is not a number");

        static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

        static string YesNo(bool value) => value ? "Yes" : "No";

        static IscsiProtocolException Bad(TextKeyValue pair, string why) =>
            new($"target answered {pair.Key}={pair.Value}: {why}");
    }
}
