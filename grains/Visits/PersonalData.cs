using NextGenCrm.Ports;

namespace NextGenCrm.Visits;

/// <summary>The stores outside the grain that hold a visitor's personal data, for erasure, and the erasure's fence.</summary>
public sealed class PersonalData(IImageStore images, IVisitHistory history, IFaceSearch faceSearch, IErasureTombstones tombstones)
{
    public IImageStore Images => images;
    public IVisitHistory History => history;
    public IFaceSearch FaceSearch => faceSearch;
    public IErasureTombstones Tombstones => tombstones;
}
