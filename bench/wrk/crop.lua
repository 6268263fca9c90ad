-- One sighting with a 20 KB face crop (a real JPEG) per request (256 tracks, 12 branches); crop.b64 is made by http-wrk.sh.
local f = io.open(os.getenv("CROP_FILE"), "r"); local crop = f:read("*a"); f:close()
counter = 0
request = function()
  counter = counter + 1
  local t = counter % 256
  local body = string.format('{"branchId":"hc%02d","cameraId":"cam%d","trackId":"i%d","capturedAt":"%s","image":"%s"}', t % 12, t % 3, t, os.date("!%Y-%m-%dT%H:%M:%SZ"), crop)
  return wrk.format("POST", "/api/v1/sightings", {["Content-Type"]="application/json", ["Authorization"]="Bearer " .. os.getenv("TOKEN")}, body)
end
