using NextGenCrm.Ports;

namespace NextGenCrm.Visits;

/// <summary>The stores outside the grain that hold a visitor's personal data, for erasure.</summary>
public sealed class PersonalData(IImageStore images, IVisitHistory history, IFaceSearch faceSearch)
{
    public IImageStore Images => images;
    public IVisitHistory History => history;
    public IFaceSearch FaceSearch => faceSearch;
}
