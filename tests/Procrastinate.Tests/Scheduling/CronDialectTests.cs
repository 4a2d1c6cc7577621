using Procrastinate.Generators.Helpers;

namespace Procrastinate.Tests.Scheduling;

/// <summary>The generator's compile-time check and the runtime parser agree on every expression of a corpus.</summary>
public class CronDialectTests
{
    public static TheoryData<string> Valid => new()
    {
        "* * * * *", "* * * * * *", "0 4 * * * 30", "*/5 * * * * 0", "*/15 0-6,22,23 1-31/2 JAN-dec Mon-Fri",
        "59 23 31 12 6 59", "5/10 * * * *", "23-1 * * * *", "5-1 * * * *", "0 0 L * *", "0 0 L-3 * *", "0 0 LW * *",
        "0 0 15W * *", "0 0 * * 5L", "0 0 * * FRI#3", "0 0 * * 7", "0 0 ? * SUN", "0 0 13 * 5", "0 12 * * mon-fri",
        "@daily", "@hourly", "@YEARLY", "@every_minute", "@every_second", "  0\t4 * * *  ", "0,30 * * * *", "*/59 * * * *",
        "0 0 1 jan,jul *", "0 0 * * 0-7/2",
    };

    public static TheoryData<string> Invalid => new()
    {
        "", "   ", "* * * *", "* * * * * * *", "61 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *",
        "* * * * 8", "* * * * smurf", "0 0 4 * * sunday", "0 0 * * MONDAY", "0 0 * JANUARY *", "*/0 * * * *",
        "*/60 * * * *", "1-5/0 * * * *", "*,5 * * * *", "5,* * * * *", "005 * * * *", "0 0 L-31 * *", "0 0 15W,20 * *",
        "0 0 * * 5#6", "0 0 * * 5#0", "0 0 * * 5L,3", "0 0 W * *", "0 0 * L *", "@weekly_", "@sometimes", "1- * * * *",
        "-1 * * * *", "1-2-3 * * * *", "a * * * *", "0 4 * * * 60", "* * * * * */0", "0 0 L-W * *", "0 0 * * #2",
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void ValidExpressions_PassBoth(string cron)
    {
        Assert.Null(CronValidator.Validate(cron));
        _ = CronTicks.Parse(cron);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidExpressions_FailBoth(string cron)
    {
        Assert.NotNull(CronValidator.Validate(cron));
        Assert.Throws<FormatException>(() => CronTicks.Parse(cron));
    }
}
