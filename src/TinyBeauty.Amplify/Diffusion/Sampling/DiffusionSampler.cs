using TinyBeauty.Amplify.Diffusion.Guidance;
using static TorchSharp.torch;

namespace TinyBeauty.Amplify.Diffusion.Sampling;

/// <summary>
/// The img2img sampling loop over an abstract <see cref="NoisePredictor"/>: noise the start latents to the first
/// kept timestep, then step the scheduler down to clean latents, with optional classifier-free guidance and an
/// optional mask that keeps the input outside the region to change.
/// </summary>
/// <remarks>
/// <para>
/// One run, for start index s = <see cref="DiffusionScheduler.FirstStepForStrength"/>(strength):
/// </para>
/// <list type="number">
/// <item>A CPU generator is seeded with <see cref="DiffusionSamplerOptions.Seed"/>; the start noise eps is its first
/// draw (the shape of the start latents), so the same seed gives the same run on any device.</item>
/// <item>latents = AddNoise(start, eps, s): DDIM gives sqrt(a_t) * start + sqrt(1 - a_t) * eps, Euler gives
/// start + sigma_t * eps. Pass zeros as start latents with strength 1 for a run from noise; this differs slightly from
/// diffusers' text-to-image start (eps times <see cref="DiffusionScheduler.InitialNoiseSigma"/>).</item>
/// <item>For each step k = s .. n - 1: the model input is ScaleModelInput(latents, k); the prediction is the
/// conditional one, or, with an unconditional predictor and a guidance scale other than 1,
/// <see cref="ClassifierFreeGuidance.Combine"/> of both; the scheduler steps (Euler draws its ancestral noise from
/// the same generator).</item>
/// <item>With a keep mask, after every step the latents outside the mask are replaced by the start latents noised with
/// the same eps to the level the latents now have, AddNoise(start, eps, k + 1); after the last step that level is
/// clean, so the final latents equal the start latents exactly wherever the mask is 0
/// (<see cref="LatentMask.Blend"/>).</item>
/// <item>The callback, if any, sees the latents; then cancellation is checked.</item>
/// </list>
/// <para>
/// The loop runs without gradient tracking, and every step runs in its own dispose scope, so the predictor's outputs
/// and all temporaries are freed at once. The sampler holds no tensors between runs and can be reused; concurrent runs
/// are as safe as the predictor delegates they call.
/// </para>
/// </remarks>
public sealed class DiffusionSampler
{
    /// <summary>Creates a sampler.</summary>
    /// <param name="options">The run settings; null means the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public DiffusionSampler(DiffusionSamplerOptions? options = null)
    {
        Options = options ?? new DiffusionSamplerOptions();
        Scheduler = Options.CreateScheduler();
    }

    /// <summary>Gets the run settings.</summary>
    public DiffusionSamplerOptions Options { get; }

    /// <summary>Gets the scheduler the options describe.</summary>
    public DiffusionScheduler Scheduler { get; }

    /// <summary>Gets the timesteps a run visits, after the strength has dropped the noisiest ones.</summary>
    public IReadOnlyList<int> RunTimesteps =>
        Scheduler.Timesteps.Skip(Scheduler.FirstStepForStrength(Options.Strength)).ToArray();

    /// <summary>Runs the sampling loop.</summary>
    /// <param name="startLatents">
    /// The encoded input [N, C, h, w] (already multiplied by the VAE scaling factor); it is not modified.
    /// </param>
    /// <param name="conditional">The noise predictor with the condition (or the only predictor).</param>
    /// <param name="unconditional">
    /// The predictor without the condition for classifier-free guidance; null for no guidance.
    /// </param>
    /// <param name="keepMask">
    /// Optional latent mask [N or 1, 1, h, w]: 1 where the sampler may change the latents, 0 where the input is kept
    /// (see the remarks); for instance <see cref="LatentMask.Downsample"/> of a pixel mask.
    /// </param>
    /// <param name="onStep">Optional callback after every step, for progress or previews.</param>
    /// <param name="cancellationToken">Checked before the first step and after every step.</param>
    /// <returns>The final latents, the shape, dtype and device of the start latents, owned by the caller. With strength
    /// 0 this is a copy of the start latents.</returns>
    /// <exception cref="ArgumentNullException">The start latents or the conditional predictor is null.</exception>
    /// <exception cref="ArgumentException">
    /// The start latents are not 4-dimensional, the mask does not fit them, or a predictor returned a tensor of
    /// another shape.
    /// </exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public Tensor Sample(
        Tensor startLatents,
        NoisePredictor conditional,
        NoisePredictor? unconditional = null,
        Tensor? keepMask = null,
        Action<SamplingProgress>? onStep = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(startLatents);
        ArgumentNullException.ThrowIfNull(conditional);
        if (startLatents.dim() != 4)
        {
            throw new ArgumentException(
                $"Expected start latents [N, C, h, w], got [{string.Join(", ", startLatents.shape)}].",
                nameof(startLatents));
        }

        if (keepMask is not null)
        {
            LatentMask.ValidateMaskFor(startLatents, keepMask, nameof(keepMask));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var first = Scheduler.FirstStepForStrength(Options.Strength);
        if (first == Scheduler.StepCount)
        {
            return startLatents.clone();
        }

        var guided = unconditional is not null && Options.GuidanceScale != 1.0;
        using var generator = SeededNoise.CreateGenerator(Options.Seed);
        using var outer = NewDisposeScope();
        using var noGrad = no_grad();
        var noise = SeededNoise.Like(startLatents, generator);
        var latents = Scheduler.AddNoise(startLatents, noise, first);

        for (var index = first; index < Scheduler.StepCount; index++)
        {
            using (var scope = NewDisposeScope())
            {
                var timestep = Scheduler.Timesteps[index];
                using var timestepTensor = tensor((float)timestep, ScalarType.Float32, startLatents.device);
                var input = Scheduler.ScaleModelInput(latents, index);
                var prediction = Predict(conditional, input, timestepTensor, nameof(conditional));
                if (guided)
                {
                    var withoutCondition = Predict(unconditional!, input, timestepTensor, nameof(unconditional));
                    prediction = ClassifierFreeGuidance.Combine(withoutCondition, prediction, Options.GuidanceScale);
                }

                var next = Scheduler.Step(prediction, index, latents, generator);
                if (keepMask is not null)
                {
                    var reference = Scheduler.AddNoise(startLatents, noise, index + 1);
                    next = LatentMask.Blend(next, reference, keepMask);
                }

                latents.Dispose();
                latents = next.MoveToOuterDisposeScope();
                onStep?.Invoke(new SamplingProgress(index - first + 1, Scheduler.StepCount - first, timestep, latents));
            }

            cancellationToken.ThrowIfCancellationRequested();
        }

        return latents.MoveToOuterDisposeScope();
    }

    private static Tensor Predict(NoisePredictor predictor, Tensor input, Tensor timestep, string name)
    {
        var prediction = predictor(input, timestep)
            ?? throw new ArgumentException("The noise predictor returned null.", name);
        if (!prediction.shape.AsSpan().SequenceEqual(input.shape))
        {
            throw new ArgumentException(
                $"The noise predictor returned shape [{string.Join(", ", prediction.shape)}] "
                + $"for latents [{string.Join(", ", input.shape)}].",
                name);
        }

        return prediction;
    }
}
