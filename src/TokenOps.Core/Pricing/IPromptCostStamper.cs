using TokenOps.Core.Events;

namespace TokenOps.Core.Pricing;

/// <summary>Stamps cost fields on a prompt event exactly once, when it is created, from the rate card.</summary>
public interface IPromptCostStamper
{
    void Stamp(PromptEvent promptEvent);
}
