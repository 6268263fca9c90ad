# The silo image. Build from the repository root (the context is filtered by .dockerignore: no tests, no bench,
# no docs, no tools, no build output):
#   docker build -t nextgencrm-silo .
# Restores in a layer of its own: the first stage keeps only the project files and the package pins, so a
# change of source leaves that layer, and the restored packages, as they were.
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS projects
WORKDIR /src
COPY . .
RUN find . -type f ! -name '*.csproj' ! -name 'Directory.Build.props' ! -name 'Directory.Packages.props' ! -name 'global.json' -delete

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
# linux-x64 for x86 nodes, linux-arm64 for Graviton nodes.
ARG RID=linux-x64
WORKDIR /src
COPY --from=projects /src .
RUN dotnet restore silo/NextGenCrm.Silo.csproj -r $RID
COPY . .
RUN dotnet publish silo/NextGenCrm.Silo.csproj -c Release -r $RID --self-contained false --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}
WORKDIR /app
COPY --from=build /app .
# Non-root (the image's own app user).
USER $APP_UID
# Urls, not ASPNETCORE_URLS: appsettings.json names loopback, and only a setting of the same name overrides it.
ENV Urls=http://0.0.0.0:8080 \
    DOTNET_gcServer=1
# 8080 HTTP (API, /health/live, /health/ready, /metrics), 11111 silo-to-silo, 30000 Orleans gateway.
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet", "NextGenCrm.Silo.dll"]
