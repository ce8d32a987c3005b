using System.Text;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Iscsi.Wire;

namespace IscsiDhcp.Tests.Iscsi;

/// <summary>The login state machine driven by scripted target responses, no sockets.</summary>
public sealed class LoginNegotiatorTests
{
    const string Target = "iqn.2026-11.org.example:disk";

    static LoginResponseHeader Response(LoginStage current, bool transit = false, LoginStage next = LoginStage.SecurityNegotiation,
        byte statusClass = 0, byte statusDetail = 0, bool cont = false) =>
        new() { CurrentStage = current, Transit = transit, NextStage = next, StatusClass = statusClass, StatusDetail = statusDetail, Continue = cont, Tsih = 0x55 };

    static byte[] Keys(params (string, string)[] pairs) => TextCodec.Encode(pairs.Select(p => new TextKeyValue(p.Item1, p.Item2)));

    static Dictionary<string, string> AsMap(LoginStep step) => step.Keys.ToDictionary(k => k.Key, k => k.Value);

    [Fact]
    public void Without_credentials_it_offers_None_and_moves_through_both_stages()
    {
        var login = new LoginNegotiator(new LoginSettings { TargetName = Target });
        var first = login.Start();
        Assert.Equal(LoginStage.SecurityNegotiation, first.CurrentStage);
        Assert.True(first.Transit);
        Assert.Equal("None", AsMap(first)["AuthMethod"]);
        Assert.Equal(Target, AsMap(first)["TargetName"]);

        var operational = login.Next(Response(LoginStage.SecurityNegotiation, true, LoginStage.OperationalNegotiation), Keys(("AuthMethod", "None")))!;
        Assert.Equal(LoginStage.OperationalNegotiation, operational.CurrentStage);
        Assert.Equal(LoginStage.FullFeaturePhase, operational.NextStage);
        Assert.Contains(operational.Keys, k => k.Key == "MaxRecvDataSegmentLength");

        var done = login.Next(Response(LoginStage.OperationalNegotiation, true, LoginStage.FullFeaturePhase), Keys(("MaxRecvDataSegmentLength", "65536")));
        Assert.Null(done);
        Assert.True(login.IsComplete);
        Assert.Equal(65536, login.Parameters!.TargetMaxRecvDataSegmentLength);
        Assert.Equal(0x55, login.Tsih);
    }

    [Fact]
    public void Mutual_CHAP_answers_the_challenge_and_checks_the_targets_proof()
    {
        var secret = Encoding.UTF8.GetBytes("initiator-secret");
        var targetSecret = Encoding.UTF8.GetBytes("target-secret-12");
        var login = new LoginNegotiator(new LoginSettings
        {
            TargetName = Target,
            Credential = new ChapCredential("me", secret),
            TargetCredential = new ChapCredential("it", targetSecret),
        });
        var first = login.Start();
        Assert.Equal("CHAP,None", AsMap(first)["AuthMethod"]);
        Assert.False(first.Transit);

        var algorithms = login.Next(Response(LoginStage.SecurityNegotiation), Keys(("AuthMethod", "CHAP")))!;
        Assert.Equal("7,6,5", AsMap(algorithms)["CHAP_A"]);

        var challenge = Enumerable.Range(1, 24).Select(i => (byte)i).ToArray();
        var answer = AsMap(login.Next(Response(LoginStage.SecurityNegotiation), Keys(("CHAP_A", "7"), ("CHAP_I", "9"), ("CHAP_C", Chap.EncodeHex(challenge))))!);
        Assert.Equal("me", answer["CHAP_N"]);
        Assert.Equal(Chap.EncodeHex(Chap.Response(ChapAlgorithm.Sha256, 9, secret, challenge)), answer["CHAP_R"]);
        var ourChallenge = Chap.DecodeBinary(answer["CHAP_C"], 1024);
        Assert.Equal(32, ourChallenge.Length);   // the digest's length
        var ourId = Chap.DecodeIdentifier(answer["CHAP_I"]);

        var proof = Chap.EncodeHex(Chap.Response(ChapAlgorithm.Sha256, ourId, targetSecret, ourChallenge));
        var next = login.Next(Response(LoginStage.SecurityNegotiation, true, LoginStage.OperationalNegotiation), Keys(("CHAP_N", "it"), ("CHAP_R", proof)))!;
        Assert.Equal(LoginStage.OperationalNegotiation, next.CurrentStage);
    }

    [Fact]
    public void A_wrong_proof_from_the_target_fails_authentication()
    {
        var login = new LoginNegotiator(new LoginSettings
        {
            TargetName = Target,
            Credential = new ChapCredential("me", "initiator-secret"u8.ToArray()),
            TargetCredential = new ChapCredential("it", "target-secret-12"u8.ToArray()),
        });
        login.Start();
        login.Next(Response(LoginStage.SecurityNegotiation), Keys(("AuthMethod", "CHAP")));
        login.Next(Response(LoginStage.SecurityNegotiation), Keys(("CHAP_A", "5"), ("CHAP_I", "1"), ("CHAP_C", "0x0102030405060708")));
        var e = Assert.Throws<IscsiLoginException>(() =>
            login.Next(Response(LoginStage.SecurityNegotiation, true, LoginStage.OperationalNegotiation), Keys(("CHAP_N", "it"), ("CHAP_R", "0x" + new string('0', 32)))));
        Assert.Equal(LoginFailure.AuthenticationFailed, e.Failure);
    }

    [Fact]
    public void A_reflected_challenge_is_refused()
    {
        var settings = new LoginSettings
        {
            TargetName = Target,
            Credential = new ChapCredential("me", "initiator-secret"u8.ToArray()),
            TargetCredential = new ChapCredential("it", "target-secret-12"u8.ToArray()),
        };
        var first = new LoginNegotiator(settings);
        first.Start();
        first.Next(Response(LoginStage.SecurityNegotiation), Keys(("AuthMethod", "CHAP")));
        var ours = AsMap(first.Next(Response(LoginStage.SecurityNegotiation), Keys(("CHAP_A", "5"), ("CHAP_I", "1"), ("CHAP_C", "0x0102030405060708")))!)["CHAP_C"];

        // A second login, where the "target" hands us our own challenge back.
        var second = new LoginNegotiator(settings);
        second.Start();
        second.Next(Response(LoginStage.SecurityNegotiation), Keys(("AuthMethod", "CHAP")));
        var e = Assert.Throws<IscsiLoginException>(() => second.Next(Response(LoginStage.SecurityNegotiation), Keys(("CHAP_A", "5"), ("CHAP_I", "2"), ("CHAP_C", ours))));
        Assert.Contains("reflection", e.Message);
    }

    [Fact]
    public void Mutual_CHAP_refuses_a_target_that_chooses_no_authentication()
    {
        var login = new LoginNegotiator(new LoginSettings
        {
            TargetName = Target,
            Credential = new ChapCredential("me", "initiator-secret"u8.ToArray()),
            TargetCredential = new ChapCredential("it", "target-secret-12"u8.ToArray()),
        });
        login.Start();
        var e = Assert.Throws<IscsiLoginException>(() => login.Next(Response(LoginStage.SecurityNegotiation, true, LoginStage.OperationalNegotiation), Keys(("AuthMethod", "None"))));
        Assert.Equal(LoginFailure.AuthenticationFailed, e.Failure);
    }

    [Theory]
    [InlineData(1, 1, LoginFailure.Redirected)]
    [InlineData(2, 1, LoginFailure.AuthenticationFailed)]
    [InlineData(2, 2, LoginFailure.AuthorizationFailed)]
    [InlineData(2, 3, LoginFailure.TargetNotFound)]
    [InlineData(2, 4, LoginFailure.TargetRemoved)]
    [InlineData(2, 6, LoginFailure.TooManyConnections)]
    [InlineData(2, 0, LoginFailure.InitiatorError)]
    [InlineData(3, 1, LoginFailure.ServiceUnavailable)]
    [InlineData(3, 2, LoginFailure.OutOfResources)]
    [InlineData(3, 0, LoginFailure.TargetError)]
    public void Each_status_class_becomes_a_typed_failure(byte statusClass, byte detail, LoginFailure failure)
    {
        var login = new LoginNegotiator(new LoginSettings { TargetName = Target });
        login.Start();
        var e = Assert.Throws<IscsiLoginException>(() => login.Next(Response(LoginStage.SecurityNegotiation, statusClass: statusClass, statusDetail: detail), Keys(("TargetAddress", "192.0.2.9:3261,2"))));
        Assert.Equal(failure, e.Failure);
        Assert.Equal(statusClass == 3, e.IsRetryable);
    }

    [Fact]
    public void A_permanent_redirect_names_the_new_portal()
    {
        var login = new LoginNegotiator(new LoginSettings { TargetName = Target });
        login.Start();
        var e = Assert.Throws<IscsiLoginException>(() => login.Next(Response(LoginStage.SecurityNegotiation, statusClass: 1, statusDetail: 2), Keys(("TargetAddress", "[2001:db8::7]:3262,3"))));
        Assert.True(e.IsPermanentRedirect);
        Assert.Equal(new TargetAddress("2001:db8::7", 3262, 3), e.Redirect);
    }

    [Fact]
    public void Continued_text_is_asked_for_and_joined()
    {
        var login = new LoginNegotiator(new LoginSettings { TargetName = Target });
        login.Start();
        var more = login.Next(Response(LoginStage.SecurityNegotiation, cont: true), "AuthMeth"u8);
        Assert.NotNull(more);
        Assert.Empty(more!.Keys);
        Assert.False(more.Transit);
        var next = login.Next(Response(LoginStage.SecurityNegotiation, true, LoginStage.OperationalNegotiation), "od=None\0"u8)!;
        Assert.Equal(LoginStage.OperationalNegotiation, next.CurrentStage);
    }

    [Fact]
    public void A_target_that_never_finishes_is_cut_off()
    {
        var login = new LoginNegotiator(new LoginSettings { TargetName = Target });
        login.Start();
        var e = Assert.Throws<IscsiLoginException>(() =>
        {
            for (var i = 0; i < 100; i++) login.Next(Response(LoginStage.SecurityNegotiation), Keys(("AuthMethod", "None")));
        });
        Assert.Equal(LoginFailure.ProtocolError, e.Failure);
    }

    [Fact]
    public void Garbage_login_text_is_a_protocol_error()
    {
        var login = new LoginNegotiator(new LoginSettings { TargetName = Target });
        login.Start();
        var e = Assert.Throws<IscsiLoginException>(() => login.Next(Response(LoginStage.SecurityNegotiation, true, LoginStage.OperationalNegotiation), "\u0001\u0002garbage-without-equals\0"u8));
        Assert.Equal(LoginFailure.ProtocolError, e.Failure);
    }

    [Theory]
    [InlineData("not-an-iqn")]
    [InlineData("iqn.26-11.bad")]
    public void Bad_names_are_refused_naming_the_setting(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => new LoginNegotiator(new LoginSettings { TargetName = name }));
        Assert.Equal("TargetName", e.ParamName);
    }
}
