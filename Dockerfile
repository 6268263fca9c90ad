# The silo image. Build: docker build -t nextgencrm-silo .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish silo/NextGenCrm.Silo.csproj -c Release -o /app --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# Non-root; the silo needs no write access outside /tmp.
USER $APP_UID
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    DOTNET_gcServer=1
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet", "NextGenCrm.Silo.dll"]
