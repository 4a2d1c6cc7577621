namespace Procrastinate.Tests.Scheduling;

public class CronTicksTests
{
    private static readonly DateTimeOffset Noon = new(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FiveFields_TickEveryMatchingMinute_StartExclusiveEndInclusive()
    {
        var ticks = CronTicks.Parse("*/15 * * * *").Between(Noon, Noon.AddHours(1));

        Assert.Equal([Noon.AddMinutes(15), Noon.AddMinutes(30), Noon.AddMinutes(45), Noon.AddHours(1)], ticks);
    }

    [Fact]
    public void SixFields_HaveSecondsLast_AsInProcrastinate()
    {
        Assert.Equal([0, 20, 40, 60], CronTicks.Parse("* * * * * */20").Between(Noon.AddTicks(-1), Noon.AddMinutes(1)).Select(t => (t - Noon).TotalSeconds));
        Assert.Equal(Noon.Date.AddDays(1).Add(new TimeSpan(4, 0, 30)), CronTicks.Parse("0 4 * * * 30").Next(Noon, TimeSpan.FromDays(1))!.Value.UtcDateTime);

        // Every five minutes on the minute, not every five seconds on Sundays.
        Assert.Equal([Noon.AddMinutes(5), Noon.AddMinutes(10)], CronTicks.Parse("*/5 * * * * 0").Between(Noon, Noon.AddMinutes(10)));
    }

    [Fact]
    public void DayOfMonthAndDayOfWeek_BothRestricted_EitherDayTicks_AsCroniter()
    {
        // September 2023: Friday the 1st, 8th, 15th, 22nd, 29th; the 13th is a Wednesday.
        var ticks = CronTicks.Parse("0 0 13 * 5").Between(new DateTimeOffset(2023, 9, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(-1), new DateTimeOffset(2023, 9, 30, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal([1, 8, 13, 15, 22, 29], ticks.Select(t => t.Day));
    }

    [Fact]
    public void Latest_IsTheLastTickAtOrBefore_EvenFarBack()
    {
        var daily = CronTicks.Parse("0 4 * * *");

        Assert.Equal(Noon.Date.AddHours(4), daily.Latest(Noon)!.Value.UtcDateTime);
        Assert.Equal(Noon, CronTicks.Parse("0 12 * * *").Latest(Noon));
        Assert.Equal(new DateTime(2023, 3, 1, 0, 0, 0, DateTimeKind.Utc), CronTicks.Parse("0 0 1 3 *").Latest(Noon)!.Value.UtcDateTime);
    }

    [Fact]
    public void Next_IsTheFirstTickAfter_WithinTheHorizon()
    {
        var daily = CronTicks.Parse("0 4 * * *");

        Assert.Equal(Noon.Date.AddDays(1).AddHours(4), daily.Next(Noon, TimeSpan.FromDays(1))!.Value.UtcDateTime);
        Assert.Null(daily.Next(Noon, TimeSpan.FromHours(1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("* * * *")]
    [InlineData("* * * * * * *")]
    [InlineData("61 * * * *")]
    [InlineData("* * * * smurf")]
    public void InvalidExpressions_AreFormatExceptions(string cron)
    {
        var exception = Assert.Throws<FormatException>(() => CronTicks.Parse(cron));

        Assert.Contains(cron, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InATimeZone_CronosRules_SkippedTimesTickAfterTheJump_RepeatedTimesTickOnceUnlessAnInterval()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var halfPastTwo = CronTicks.Parse("30 2 * * *", paris);

        // 31 March 2024: Paris clocks jump from 02:00 to 03:00, so 02:30 does not exist; it ticks at 03:00 (01:00 UTC).
        var spring = halfPastTwo.Between(At(2024, 3, 29, 12), At(2024, 4, 2, 0));
        Assert.Equal([At(2024, 3, 30, 1, 30), At(2024, 3, 31, 1), At(2024, 4, 1, 0, 30)], spring);

        // 27 October 2024: clocks go back from 03:00 to 02:00, so 02:30 happens twice; it ticks at the first.
        var autumn = halfPastTwo.Between(At(2024, 10, 26, 12), At(2024, 10, 28, 12));
        Assert.Equal([At(2024, 10, 27, 0, 30), At(2024, 10, 28, 1, 30)], autumn);

        // An hourly (interval) expression ticks in both passes of the repeated hour.
        var hourly = CronTicks.Parse("30 * * * *", paris).Between(At(2024, 10, 27, 0), At(2024, 10, 27, 2));
        Assert.Equal([At(2024, 10, 27, 0, 30), At(2024, 10, 27, 1, 30)], hourly);
    }

    private static DateTimeOffset At(int year, int month, int day, int hour, int minute = 0) =>
        new(year, month, day, hour, minute, 0, TimeSpan.Zero);
}
