global using Microsoft.AspNetCore.Hosting.Server;
global using Microsoft.AspNetCore.Http.HttpResults;
