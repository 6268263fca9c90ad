-- One small sighting (faceToken) per request over 256 tracks at 12 branches.
counter = 0
request = function()
  counter = counter + 1
  local t = counter % 256
  local body = string.format('{"branchId":"hb%02d","cameraId":"cam%d","trackId":"s%d","capturedAt":"%s","faceToken":"http-%d"}', t % 12, t % 3, t, os.date("!%Y-%m-%dT%H:%M:%SZ"), t)
  return wrk.format("POST", "/api/v1/sightings", {["Content-Type"]="application/json", ["Authorization"]="Bearer " .. os.getenv("TOKEN")}, body)
end
