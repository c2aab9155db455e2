using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace KdLabs.Studio.Tests;

/// <summary>
/// The studio answers only its own page: a DNS-rebinding page (a foreign Host), a cross-origin form or text/plain post
/// (no browser preflight), a request without an Origin, a non-JSON or oversized body are refused before any run starts,
/// each with a JSON body naming the field; the framework's own 4xx answers get one too.
/// </summary>
[Collection("studio")]
public sealed class StudioOriginTests(StudioFixture studio)
{
    private Uri Url => studio.Server.Url;

    private string Own => Url.GetLeftPart(UriPartial.Authority);

    [Fact]
    public async Task AForeignHostIsRefusedEvenForReading()
    {
        using var http = new HttpClient { BaseAddress = Url };
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/config");
        request.Headers.Host = $"rebind.example:{Url.Port}";
        using var response = await http.SendAsync(request);
        await AssertRefused(response, HttpStatusCode.Forbidden, "Host");
    }

    [Theory]
    [InlineData("http://evil.example", "text/plain")]
    [InlineData("http://evil.example", "application/x-www-form-urlencoded")]
    [InlineData("http://evil.example", "application/json")]
    [InlineData("null", "text/plain")]
    [InlineData(null, "application/json")]
    public async Task ARunFromAnotherOriginOrNoneIsRefusedAndNothingStarts(string? origin, string contentType)
    {
        int before = studio.Server.Scheduler.Results.All.Count;
        using var http = new HttpClient { BaseAddress = Url };
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/runs")
        {
            Content = new StringContent("{\"session\":\"cross-origin\",\"trainSize\":600,\"epochs\":1,\"seed\":4242}", System.Text.Encoding.UTF8, contentType),
        };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        using var response = await http.SendAsync(request);
        await AssertRefused(response, HttpStatusCode.Forbidden, "Origin");
        Assert.False(studio.Server.Scheduler.CancelSession("cross-origin"), "a refused request started a run");
        Assert.Equal(before, studio.Server.Scheduler.Results.All.Count);
    }

    [Fact]
    public async Task ACancelFromAnotherOriginIsRefused()
    {
        using var http = new HttpClient { BaseAddress = Url };
        using var request = new HttpRequestMessage(HttpMethod.Delete, "api/sessions/anyone/run");
        request.Headers.Add("Origin", "http://evil.example");
        using var response = await http.SendAsync(request);
        await AssertRefused(response, HttpStatusCode.Forbidden, "Origin");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task TheApiTakesOnlyJsonEvenFromItsOwnPage(string contentType)
    {
        using var response = await studio.Http.PostAsync("api/runs", new StringContent("{\"alpha\":0.5}", System.Text.Encoding.UTF8, contentType));
        await AssertRefused(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    [Fact]
    public async Task AnOversizedBodyIsA413WithAJsonBody()
    {
        string padding = new('x', 64 * 1024);
        using var response = await studio.Http.PostAsync("api/runs", new StringContent($"{{\"session\":\"{padding}\"}}", System.Text.Encoding.UTF8, "application/json"));
        await AssertRefused(response, HttpStatusCode.RequestEntityTooLarge, "request");
    }

    [Theory]
    [InlineData("api/grid?epochs=abc", HttpStatusCode.BadRequest, "epochs")]
    [InlineData("api/grid?seed=99999999999", HttpStatusCode.BadRequest, "seed")]
    [InlineData("api/no-such-thing", HttpStatusCode.NotFound, "path")]
    [InlineData("api/runs/no-such-run", HttpStatusCode.NotFound, "id")]
    public async Task Every4xxHasAJsonBodyNamingTheField(string path, HttpStatusCode status, string field)
    {
        using var response = await studio.Http.GetAsync(path);
        await AssertRefused(response, status, field);
    }

    [Fact]
    public async Task TheOwnPageWithItsOriginStillWorks()
    {
        using var response = await studio.Http.GetAsync("api/config");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var local = new HttpClient { BaseAddress = new Uri($"http://localhost:{Url.Port}/") };
        local.DefaultRequestHeaders.Add("Origin", $"http://localhost:{Url.Port}");
        using var bad = await local.PostAsync("api/runs", new StringContent("{\"alpha\":7}", System.Text.Encoding.UTF8, "application/json"));
        await AssertRefused(bad, HttpStatusCode.BadRequest, "alpha");
        Assert.NotEmpty(Own);
    }

    [Fact]
    public void APortInUseIsTheUsersErrorNamingThePort()
    {
        var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var e = Assert.Throws<Infrastructure.UserErrorException>(() => StudioServer.RefuseUsedPort(port));
            Assert.Contains($"Port {port}", e.Message);
            Assert.Contains("--port", e.Message);
        }
        finally
        {
            taken.Stop();
        }
    }

    private static async Task AssertRefused(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(field, answer.GetProperty("field").GetString());
        Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("error").GetString()));
    }
}
