using System.Security.Cryptography;
using NextGenCrm.FaceDetection;

// face-recognition-model MANIFEST OUTPUT: writes the dlib face recognition ResNet as ONNX from a
// TensorFlow.js weights manifest (face-api's model/face_recognition_model-weights_manifest.json) and
// prints the file's sha256. The same weights always give the same bytes.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: face-recognition-model MANIFEST.json OUTPUT.onnx");
    return 2;
}
var bytes = FaceRecognitionModelBuilder.Build(args[0]);
var output = Path.GetFullPath(args[1]);
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
var temporary = output + ".tmp";
File.WriteAllBytes(temporary, bytes);
File.Move(temporary, output, overwrite: true);
Console.WriteLine($"{Convert.ToHexStringLower(SHA256.HashData(bytes))}  {output}");
return 0;
