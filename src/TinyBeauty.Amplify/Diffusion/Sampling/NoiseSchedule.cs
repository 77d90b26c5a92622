namespace TinyBeauty.Amplify.Diffusion.Sampling;

/// <summary>
/// The forward-diffusion noise schedule: for every training timestep t in [0, <see cref="TrainTimesteps"/>), the
/// variance beta_t added at that step and the cumulative product alpha-bar_t = prod_{s &lt;= t} (1 - beta_s).
/// </summary>
/// <remarks>
/// <para>
/// The scaled-linear schedule of Stable Diffusion 1.5 spaces the square roots of the betas evenly:
/// beta_i = (sqrt(start) + i * (sqrt(end) - sqrt(start)) / (T - 1))^2 for i = 0 .. T - 1, so beta_0 = start and
/// beta_(T-1) = end exactly.
/// </para>
/// <para>
/// Values are computed in double precision. diffusers computes the same formula in float32, so its tables agree with
/// these to about 1e-6 relative error (the cumulative product drifts most near t = 999).
/// </para>
/// </remarks>
public sealed class NoiseSchedule
{
    private readonly double[] _betas;
    private readonly double[] _alphasCumulative;

    /// <summary>
    /// Creates a scaled-linear schedule.
    /// </summary>
    /// <param name="betaStart">beta_0; greater than 0 and less than 1.</param>
    /// <param name="betaEnd">beta_(T-1); at least <paramref name="betaStart"/> and less than 1.</param>
    /// <param name="trainTimesteps">T, the number of training timesteps; at least 2.</param>
    /// <exception cref="ArgumentOutOfRangeException">A beta or the timestep count is out of range.</exception>
    public NoiseSchedule(double betaStart, double betaEnd, int trainTimesteps)
    {
        if (!(betaStart > 0 && betaStart < 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(betaStart), betaStart, "The first beta must lie in the open interval (0, 1).");
        }

        if (!(betaEnd >= betaStart && betaEnd < 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(betaEnd), betaEnd, $"The last beta must lie in [{betaStart}, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(trainTimesteps, 2);

        BetaStart = betaStart;
        BetaEnd = betaEnd;
        _betas = new double[trainTimesteps];
        _alphasCumulative = new double[trainTimesteps];
        var rootStart = Math.Sqrt(betaStart);
        var rootStep = (Math.Sqrt(betaEnd) - rootStart) / (trainTimesteps - 1);
        var product = 1.0;
        for (var index = 0; index < trainTimesteps; index++)
        {
            var root = rootStart + (index * rootStep);
            _betas[index] = root * root;
            product *= 1 - _betas[index];
            _alphasCumulative[index] = product;
        }
    }

    /// <summary>
    /// Gets the schedule of Stable Diffusion 1.5 (its <c>scheduler_config.json</c>): scaled-linear betas from
    /// 0.00085 to 0.012 over 1000 timesteps.
    /// </summary>
    public static NoiseSchedule StableDiffusion15 { get; } = new(0.00085, 0.012, 1000);

    /// <summary>Gets beta_0.</summary>
    public double BetaStart { get; }

    /// <summary>Gets beta_(T-1).</summary>
    public double BetaEnd { get; }

    /// <summary>Gets T, the number of training timesteps (1000 for Stable Diffusion 1.5).</summary>
    public int TrainTimesteps => _betas.Length;

    /// <summary>Gets beta_t for t = 0 .. T - 1.</summary>
    public IReadOnlyList<double> Betas => _betas;

    /// <summary>Gets alpha-bar_t = prod_{s &lt;= t} (1 - beta_s) for t = 0 .. T - 1.</summary>
    public IReadOnlyList<double> AlphasCumulativeProduct => _alphasCumulative;

    /// <summary>
    /// Returns the noise level of timestep t in the variance-exploding view used by Euler samplers:
    /// sigma_t = sqrt((1 - alpha-bar_t) / alpha-bar_t).
    /// </summary>
    /// <param name="timestep">A training timestep in [0, T).</param>
    /// <exception cref="ArgumentOutOfRangeException">The timestep is outside [0, T).</exception>
    public double Sigma(int timestep)
    {
        ValidateTimestep(timestep);
        var alphaBar = _alphasCumulative[timestep];
        return Math.Sqrt((1 - alphaBar) / alphaBar);
    }

    internal void ValidateTimestep(int timestep, string? parameterName = null)
    {
        if ((uint)timestep >= (uint)_betas.Length)
        {
            throw new ArgumentOutOfRangeException(
                parameterName ?? nameof(timestep),
                timestep,
                $"A timestep must lie in [0, {_betas.Length}).");
        }
    }
}
