using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>RFC 7143 section 13's result functions, key by key.</summary>
public sealed class OperationalNegotiatorTests
{
    static readonly LoginSettings Settings = new() { TargetName = "iqn.2026-11.org.example:t", HeaderDigest = true, DataDigest = false };

    static SessionParameters Negotiate(params (string Key, string Value)[] answers)
    {
        var negotiator = new OperationalNegotiator(Settings);
        var replies = new List<TextKeyValue>();
        negotiator.Accept(answers.Select(a => new TextKeyValue(a.Key, a.Value)), replies);
        Assert.Empty(replies);
        return negotiator.Result();
    }

    [Fact]
    public void The_offer_states_our_side_of_every_key()
    {
        var offer = new OperationalNegotiator(Settings).Offer().ToDictionary(k => k.Key, k => k.Value);
        Assert.Equal("CRC32C,None", offer["HeaderDigest"]);
        Assert.Equal("None", offer["DataDigest"]);
        Assert.Equal("No", offer["InitialR2T"]);
        Assert.Equal("Yes", offer["ImmediateData"]);
        Assert.Equal("262144", offer["MaxRecvDataSegmentLength"]);
        Assert.Equal("0", offer["ErrorRecoveryLevel"]);
    }

    [Fact]
    public void Answers_within_the_rules_settle_the_parameters()
    {
        var p = Negotiate(("HeaderDigest", "CRC32C"), ("DataDigest", "None"), ("InitialR2T", "Yes"), ("ImmediateData", "No"),
            ("MaxBurstLength", "262144"), ("FirstBurstLength", "65536"), ("MaxRecvDataSegmentLength", "8192"),
            ("DefaultTime2Wait", "5"), ("DefaultTime2Retain", "0"), ("MaxOutstandingR2T", "1"), ("TargetPortalGroupTag", "7"));
        Assert.True(p.HeaderDigest);
        Assert.False(p.DataDigest);
        Assert.True(p.InitialR2T);
        Assert.False(p.ImmediateData);
        Assert.Equal(262144, p.MaxBurstLength);
        Assert.Equal(65536, p.FirstBurstLength);
        Assert.Equal(8192, p.TargetMaxRecvDataSegmentLength);
        Assert.Equal(262144, p.MaxRecvDataSegmentLength);
        Assert.Equal(5, p.DefaultTime2Wait);
        Assert.Equal(0, p.DefaultTime2Retain);
        Assert.Equal(7, p.TargetPortalGroupTag);
    }

    [Fact]
    public void Keys_the_target_leaves_out_keep_the_RFC_defaults()
    {
        var p = Negotiate();
        Assert.Equal(SessionParameters.Defaults.TargetMaxRecvDataSegmentLength, p.TargetMaxRecvDataSegmentLength);
        Assert.True(p.InitialR2T);
        Assert.Equal(65536, p.FirstBurstLength);
    }

    [Theory]
    [InlineData("HeaderDigest", "MD5")]                 // not offered
    [InlineData("DataDigest", "CRC32C")]                // we offered None only
    [InlineData("InitialR2T", "Maybe")]
    [InlineData("ImmediateData", "Yes", true)]          // AND: our No stays No
    [InlineData("MaxBurstLength", "99999999")]          // above our offer and the maximum
    [InlineData("FirstBurstLength", "300000")]          // min function: above our offer
    [InlineData("DefaultTime2Wait", "1")]               // max function: below our offer
    [InlineData("MaxRecvDataSegmentLength", "100")]     // under 512
    [InlineData("ErrorRecoveryLevel", "3")]
    public void Answers_outside_the_rules_are_protocol_errors(string key, string value, bool offerNoImmediateData = false)
    {
        var settings = offerNoImmediateData ? Settings with { ImmediateData = false } : Settings;
        var negotiator = new OperationalNegotiator(settings);
        Assert.Throws<IscsiProtocolException>(() => negotiator.Accept([new TextKeyValue(key, value)], []));
    }

    [Fact]
    public void InitialR2T_is_an_OR_and_our_No_may_become_Yes()
    {
        Assert.True(Negotiate(("InitialR2T", "Yes")).InitialR2T);
        var yes = new OperationalNegotiator(Settings with { InitialR2T = true });
        Assert.Throws<IscsiProtocolException>(() => yes.Accept([new TextKeyValue("InitialR2T", "No")], []));
    }

    [Fact]
    public void Keys_the_target_raises_are_answered_and_unknown_ones_not_understood()
    {
        var negotiator = new OperationalNegotiator(Settings with { SessionType = SessionType.Discovery, TargetName = null });
        var replies = new List<TextKeyValue>();
        negotiator.Accept([new TextKeyValue("MaxBurstLength", "1048576"), new TextKeyValue("X-Vendor-Thing", "1"), new TextKeyValue("FancyKey", "3")], replies);
        Assert.Contains(replies, r => r.Key == "MaxBurstLength" && r.Value == "262144");
        Assert.Contains(replies, r => r.Key == "FancyKey" && r.Value == "NotUnderstood");
        Assert.DoesNotContain(replies, r => r.Key == "X-Vendor-Thing");
    }

    [Fact]
    public void Reject_and_Irrelevant_fall_back_to_the_default()
    {
        var p = Negotiate(("MaxBurstLength", "Irrelevant"), ("HeaderDigest", "Reject"));
        Assert.Equal(262144, p.MaxBurstLength);
        Assert.False(p.HeaderDigest);
    }

    [Fact]
    public void A_first_burst_beyond_the_max_burst_is_refused()
    {
        var negotiator = new OperationalNegotiator(Settings);
        negotiator.Accept([new TextKeyValue("MaxBurstLength", "1024"), new TextKeyValue("FirstBurstLength", "4096")], []);
        Assert.Throws<IscsiProtocolException>(() => negotiator.Result());
    }
}
